import { describe, expect, it } from 'vitest';
import { gidInGroupFile, groupNameInGroupFile } from './group-file.js';

const groups = 'root:x:0:\ndocker:x:998:alice,bob\nsocket-warden:x:997:alice\nbroken:x:abc:\n';

describe('group-file', () => {
  it.each<[string, number | undefined]>([
    ['socket-warden', 997],
    ['docker', 998],
    ['4242', 4242],
    ['missing', undefined],
    ['broken', undefined],
    ['socket', undefined],
  ])('%s -> %s', (name, gid) => {
    expect(gidInGroupFile(groups, name)).toBe(gid);
  });

  it('names a gid, or gives the number', () => {
    expect(groupNameInGroupFile(groups, 997)).toBe('socket-warden');
    expect(groupNameInGroupFile(groups, 5)).toBe('5');
  });
});
