import { describe, expect, it } from 'vitest';
import { socketPathProblem } from './socket-path.js';

describe('socketPathProblem', () => {
  it.each<[string, string, string | undefined]>([
    ['a usual path', '/run/user/1000/socket-warden/docker.sock', undefined],
    ['exactly 107 bytes', `/${'a'.repeat(106)}`, undefined],
    ['108 bytes', `/${'a'.repeat(107)}`, 'is 108 bytes long'],
    ['counted in bytes, not characters', `/${'é'.repeat(54)}`, 'is 109 bytes long'],
    ['a NUL byte', '/run/a\0b.sock', 'holds a NUL byte'],
  ])('%s', (_name, socketPath, expected) => {
    const problem = socketPathProblem(socketPath);
    if (expected === undefined) expect(problem).toBeUndefined();
    else expect(problem).toContain(expected);
  });
});
