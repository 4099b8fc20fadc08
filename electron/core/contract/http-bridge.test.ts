import { describe, expect, it } from 'vitest';
import { EventStreamParser } from './http-bridge.js';

function parse(chunks: string[]): [string, unknown][] {
  const seen: [string, unknown][] = [];
  const parser = new EventStreamParser((event, payload) => seen.push([event, payload]));
  for (const chunk of chunks) parser.push(chunk);
  return seen;
}

describe('EventStreamParser', () => {
  it.each<[string, string[], [string, unknown][]]>([
    ['one event', ['event: denial\ndata: {"a":1}\n\n'], [['denial', { a: 1 }]]],
    ['split anywhere', ['ev', 'ent: x\nda', 'ta: [1,', '2]\n', '\n'], [['x', [1, 2]]]],
    ['CRLF, split between CR and LF', ['event: x\r', '\ndata: 1\r\n\r\n'], [['x', 1]]],
    [
      'comments and retry ignored',
      ['retry: 2000\n\n: keep-alive\n\nevent: y\ndata: true\n\n'],
      [['y', true]],
    ],
    ['multi-line data joined with \\n', ['data: [1,\ndata: 2]\n\n'], [['message', [1, 2]]]],
    ['data that is not JSON dropped', ['event: x\ndata: {oops\n\nevent: z\ndata: 3\n\n'], [['z', 3]]],
    ['an event without its blank line is not delivered yet', ['event: x\ndata: 1\n'], []],
  ])('%s', (_name, chunks, expected) => {
    expect(parse(chunks)).toEqual(expected);
  });
});
