// De-chunks a request body, strictly and incrementally: the ChunkedScanner's grammar, with the data it
// finds handed out. Chunk extensions and trailers are dropped; upstream gets a freshly framed body.
import { ChunkedScanner } from './chunked-scanner.js';

export type ChunkedStep =
  | { kind: 'data'; data: Buffer[]; done: false }
  | { kind: 'data'; data: Buffer[]; done: true; rest: Buffer }
  | { kind: 'error'; message: string };

export class ChunkedDecoder {
  /** Its grammar's state; the zero-copy relay of a request body reads the framing through it too. */
  readonly scanner = new ChunkedScanner();

  /**
   * Feeds bytes; returns the data in them (views of `input`) and, once the last chunk and trailers
   * are read, the bytes after them (also a view of `input`).
   */
  push(input: Buffer): ChunkedStep {
    const data: Buffer[] = [];
    const scan = this.scanner.scan(input, (piece) => data.push(piece));
    if (scan.kind === 'error') return scan;
    if (scan.kind === 'more') return { kind: 'data', data, done: false };
    return { kind: 'data', data, done: true, rest: input.subarray(scan.consumed) };
  }
}
