import { describe, expect, it } from 'vitest';
import { ChunkedScanner, type ChunkedScan } from './chunked-scanner.js';

/** Scans `body` followed by `after`, fed in pieces of `step` bytes; returns where the body ended. */
function scanInPieces(body: string, after: string, step: number): { end: number | null; error?: string } {
  const input = Buffer.from(body + after, 'latin1');
  const scanner = new ChunkedScanner();
  for (let at = 0; at < input.length; at += step) {
    const piece = input.subarray(at, Math.min(at + step, input.length));
    const result: ChunkedScan = scanner.scan(piece);
    if (result.kind === 'error') return { end: null, error: result.message };
    if (result.kind === 'done') return { end: at + result.consumed };
  }
  return { end: null };
}

describe('ChunkedScanner', () => {
  const complete: [string, string][] = [
    ['one chunk', '5\r\nhello\r\n0\r\n\r\n'],
    ['several chunks', '3\r\nabc\r\nA\r\n0123456789\r\n0\r\n\r\n'],
    ['upper and lower hex', 'a\r\n0123456789\r\nA\r\n0123456789\r\n0\r\n\r\n'],
    ['chunk extensions', '5;name=value\r\nhello\r\n0;last\r\n\r\n'],
    ['trailers', '5\r\nhello\r\n0\r\nX-Trailer: yes\r\nOther: 1\r\n\r\n'],
    ['an empty body', '0\r\n\r\n'],
    ['data that looks like framing', '7\r\n0\r\n\r\n\r\n\r\n0\r\n\r\n'],
    ['a leading-zero size', '0005\r\nhello\r\n0\r\n\r\n'],
    ['whitespace before an extension', '5 \t;x=1\r\nhello\r\n0\r\n\r\n'],
  ];
  for (const [name, body] of complete) {
    for (const step of [1, 2, 3, 7, 1000]) {
      it(`finds the end of ${name} (pieces of ${step})`, () => {
        expect(scanInPieces(body, 'NEXT', step)).toEqual({ end: body.length });
      });
    }
  }

  it('says more while the body goes on', () => {
    const scanner = new ChunkedScanner();
    expect(scanner.scan(Buffer.from('10\r\n0123456789'))).toEqual({ kind: 'more' });
    expect(scanner.scan(Buffer.from('abcdef\r\n'))).toEqual({ kind: 'more' });
    expect(scanner.done).toBe(false);
    expect(scanner.scan(Buffer.from('0\r\n\r\n'))).toEqual({ kind: 'done', consumed: 5 });
    expect(scanner.done).toBe(true);
  });

  it('crosses a large chunk without looking at its bytes', () => {
    const data = 'x'.repeat(100_000);
    const body = `${(100_000).toString(16)}\r\n${data}\r\n0\r\n\r\n`;
    expect(scanInPieces(body, '', 65536)).toEqual({ end: body.length });
  });

  const malformed: [string, string][] = [
    ['a non-hex size', 'zz\r\nhello\r\n0\r\n\r\n'],
    ['a signed size', '+5\r\nhello\r\n0\r\n\r\n'],
    ['an empty size', '\r\nhello\r\n0\r\n\r\n'],
    ['a bare LF after the size', '5\nhello\r\n0\r\n\r\n'],
    ['a bare CR after the size', '5\rhello\r\n0\r\n\r\n'],
    ['data longer than its size', '3\r\nhello\r\n0\r\n\r\n'],
    ['a size over 15 hex digits', '1000000000000000\r\n'],
    ['a bare LF in a trailer', '0\r\nX: 1\n\r\n'],
    ['a bare CR at the end', '0\r\n\rX'],
    ['whitespace after the size without an extension', '5 \r\nhello\r\n0\r\n\r\n'],
    ['a NUL in an extension', '5;a\0\r\nhello\r\n0\r\n\r\n'],
    ['a size line over 1024 bytes', `5;${'x'.repeat(1100)}\r\nhello\r\n0\r\n\r\n`],
    ['a trailer without a colon', '0\r\nnot a trailer\r\n\r\n'],
    ['a trailer without a name', '0\r\n: x\r\n\r\n'],
    ['trailers over 16 KiB', `0\r\nX: ${'y'.repeat(17 * 1024)}\r\n\r\n`],
  ];
  for (const [name, body] of malformed) {
    it(`refuses ${name}`, () => {
      expect(scanInPieces(body, '', 1).error).toBeTypeOf('string');
      expect(scanInPieces(body, '', 1000).error).toBeTypeOf('string');
    });
  }
});
