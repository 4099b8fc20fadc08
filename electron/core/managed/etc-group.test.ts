import { describe, expect, it } from 'vitest';
import { groupId } from './etc-group.js';

describe('groupId', () => {
  const ETC_GROUP = 'root:x:0:\ndockerish:x:5:\ndocker:x:102:dev\nbad:x::\n';
  it.each([
    ['docker', 102],
    ['root', 0],
    ['dock', null],
    ['bad', null],
  ])('%s', (name, gid) => {
    expect(groupId(ETC_GROUP, name)).toBe(gid);
  });
});
