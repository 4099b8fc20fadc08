// A one-file tar archive generated on the fly, for uploads of any size without touching the disk.
import { Readable } from 'node:stream';

const BLOCK = 512;

function putOctal(header: Buffer, offset: number, width: number, value: number): void {
  // width - 1 octal digits, then NUL.
  header.write(value.toString(8).padStart(width - 1, '0'), offset, width - 1, 'ascii');
  header[offset + width - 1] = 0;
}

/** The 512-byte POSIX ustar header of a regular file. */
export function ustarHeader(name: string, size: number, mtimeSeconds = 0): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`tar name longer than 100 bytes: ${name}`);
  const header = Buffer.alloc(BLOCK);
  header.write(name, 0, 100, 'utf8');
  putOctal(header, 100, 8, 0o644);
  putOctal(header, 108, 8, 0);
  putOctal(header, 116, 8, 0);
  putOctal(header, 124, 12, size);
  putOctal(header, 136, 12, mtimeSeconds);
  header.write('        ', 148, 8, 'ascii'); // the checksum counts its own field as spaces
  header.write('0', 156, 1, 'ascii');
  header.write('ustar\u000000', 257, 8, 'ascii');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'ascii');
  return header;
}

/** Total bytes of the archive `oneFileTar` produces for a file of `size` bytes. */
export function tarLength(size: number): number {
  return BLOCK + Math.ceil(size / BLOCK) * BLOCK + 2 * BLOCK;
}

/** A tar stream holding one file `name` of `size` bytes, written in `chunkSize` pieces. */
export function oneFileTar(name: string, size: number, chunkSize = 1 << 20): Readable {
  // Incompressible-looking but cheap: one filled chunk, sent again and again.
  const chunk = Buffer.alloc(chunkSize);
  for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 2654435761) >>> 24;
  function* pieces(): Generator<Buffer> {
    yield ustarHeader(name, size);
    let left = size;
    while (left > 0) {
      const take = Math.min(left, chunk.length);
      yield take === chunk.length ? chunk : chunk.subarray(0, take);
      left -= take;
    }
    const padding = (BLOCK - (size % BLOCK)) % BLOCK;
    yield Buffer.alloc(padding + 2 * BLOCK);
  }
  return Readable.from(pieces(), { objectMode: false, highWaterMark: 4 * chunkSize });
}
