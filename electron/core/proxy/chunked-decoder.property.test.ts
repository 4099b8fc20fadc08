// Properties of the one chunked grammar: any body, framed in any chunk sizes (with extensions and
// trailers) and delivered in any pieces, is decoded to exactly itself with the bytes after it left over.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChunkedDecoder } from './chunked-decoder.js';

function frame(chunks: Uint8Array[], extension: string, trailers: string[]): Buffer {
  const parts: Buffer[] = [];
  for (const chunk of chunks) {
    if (chunk.length === 0) continue;
    parts.push(
      Buffer.from(`${chunk.length.toString(16)}${extension}\r\n`),
      Buffer.from(chunk),
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`0\r\n${trailers.map((t) => `${t}\r\n`).join('')}\r\n`));
  return Buffer.concat(parts);
}

function splitAt(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    out.push(bytes.subarray(from, p));
    from = p;
  }
  out.push(bytes.subarray(from));
  return out;
}

describe('ChunkedDecoder, properties', () => {
  it('decodes any framing of any body, delivered in any pieces, to the body, leaving what follows', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }),
        fc.constantFrom('', ';ext=1', ';a;b=c'),
        fc.array(fc.constantFrom('X-Trailer: 1', 'Checksum: abc'), { maxLength: 2 }),
        fc.uint8Array({ maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (chunks, extension, trailers, after, cuts) => {
          const encoded = Buffer.concat([frame(chunks, extension, trailers), Buffer.from(after)]);
          const decoder = new ChunkedDecoder();
          const data: Buffer[] = [];
          let rest: Buffer | undefined;
          for (const piece of splitAt(encoded, cuts)) {
            if (rest !== undefined) {
              rest = Buffer.concat([rest, piece]);
              continue;
            }
            const step = decoder.push(piece);
            if (step.kind === 'error') throw new Error(step.message);
            data.push(...step.data.map((d) => Buffer.from(d)));
            if (step.done) rest = Buffer.from(step.rest);
          }
          expect(Buffer.concat(data).equals(Buffer.concat(chunks.map((c) => Buffer.from(c))))).toBe(true);
          expect(rest?.equals(Buffer.from(after))).toBe(true);
        },
      ),
    );
  });

  it('never throws, and never hands out data past an error, on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        const step = new ChunkedDecoder().push(Buffer.from(bytes));
        expect(['data', 'error']).toContain(step.kind);
      }),
    );
  });
});
