import { describe, expect, it } from 'vitest';
import { ChunkedDecoder } from './chunked-decoder.js';

function decodeAll(parts: string[]): { body: string; rest: string | null; error: string | null } {
  const decoder = new ChunkedDecoder();
  let body = '';
  for (const part of parts) {
    const step = decoder.push(Buffer.from(part, 'latin1'));
    if (step.kind === 'error') return { body, rest: null, error: step.message };
    body += step.data.map((d) => d.toString('latin1')).join('');
    if (step.done) return { body, rest: step.rest.toString('latin1'), error: null };
  }
  return { body, rest: null, error: null };
}

describe('ChunkedDecoder', () => {
  it('decodes chunks and returns what follows the last chunk', () => {
    expect(decodeAll(['5\r\nhello\r\n6\r\n world\r\n0\r\n\r\nGET /next'])).toEqual({
      body: 'hello world',
      rest: 'GET /next',
      error: null,
    });
  });

  it('decodes when split at every byte', () => {
    const text = 'a;ext=1\r\n0123456789\r\n3\r\nabc\r\n0\r\nX-Trailer: y\r\n\r\n';
    expect(decodeAll([...text])).toEqual({ body: '0123456789abc', rest: '', error: null });
  });

  it('is not done before the final CRLF', () => {
    expect(decodeAll(['3\r\nabc\r\n0\r\n'])).toEqual({ body: 'abc', rest: null, error: null });
  });

  it.each([
    ['negative size', '-1\r\n'],
    ['size with leading space', ' 5\r\nhello\r\n'],
    ['size with 0x', '0x5\r\nhello\r\n'],
    ['missing CRLF after data', '5\r\nhelloX\r\n'],
    ['bare LF line', '5\nhello\r\n'],
    ['oversized size', 'ffffffffffffffffff\r\n'],
    ['malformed trailer', '0\r\nnot a trailer\r\n\r\n'],
  ])('refuses %s', (_name, text) => {
    expect(decodeAll([text]).error).not.toBeNull();
  });
});
