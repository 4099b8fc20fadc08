// Decodes a chunked request body (RFC 9112 §7.1) strictly and incrementally. Chunk extensions are
// dropped and trailers are read and discarded: upstream gets a freshly framed body.

const MAX_SIZE_LINE = 1024;
const MAX_TRAILER_BYTES = 16 * 1024;

export type ChunkedStep =
  | { kind: 'data'; data: Buffer[]; done: false }
  | { kind: 'data'; data: Buffer[]; done: true; rest: Buffer }
  | { kind: 'error'; message: string };

type State =
  | { at: 'size' }
  | { at: 'data'; remaining: number }
  | { at: 'data-crlf' }
  | { at: 'trailer'; bytes: number }
  | { at: 'done' };

export class ChunkedDecoder {
  private state: State = { at: 'size' };
  private pending: Buffer = Buffer.alloc(0);

  /** Feeds bytes; returns decoded data and, once the last chunk and trailers are read, the bytes after them. */
  push(input: Buffer): ChunkedStep {
    let buf = this.pending.length > 0 ? Buffer.concat([this.pending, input]) : input;
    this.pending = Buffer.alloc(0);
    const data: Buffer[] = [];
    for (;;) {
      const state = this.state;
      if (state.at === 'done') return { kind: 'data', data, done: true, rest: buf };
      if (state.at === 'data') {
        if (buf.length === 0) return { kind: 'data', data, done: false };
        const take = Math.min(state.remaining, buf.length);
        data.push(buf.subarray(0, take));
        buf = buf.subarray(take);
        const remaining = state.remaining - take;
        this.state = remaining === 0 ? { at: 'data-crlf' } : { at: 'data', remaining };
        continue;
      }
      if (state.at === 'data-crlf') {
        if (buf.length < 2) {
          // A copy: the input may be a view into a read buffer that is reused after this call.
          this.pending = Buffer.from(buf);
          return { kind: 'data', data, done: false };
        }
        if (buf[0] !== 0x0d || buf[1] !== 0x0a)
          return { kind: 'error', message: 'chunk data not followed by CRLF' };
        buf = buf.subarray(2);
        this.state = { at: 'size' };
        continue;
      }
      const eol = buf.indexOf('\r\n');
      if (eol === -1) {
        if (buf.length > (state.at === 'size' ? MAX_SIZE_LINE : MAX_TRAILER_BYTES)) {
          return {
            kind: 'error',
            message: state.at === 'size' ? 'chunk size line too long' : 'trailers too large',
          };
        }
        this.pending = Buffer.from(buf);
        return { kind: 'data', data, done: false };
      }
      const line = buf.toString('latin1', 0, eol);
      buf = buf.subarray(eol + 2);
      if (/[\r\n\0]/.test(line)) return { kind: 'error', message: 'bare CR or LF in chunked body' };
      if (state.at === 'trailer') {
        if (line === '') {
          this.state = { at: 'done' };
          continue;
        }
        const bytes = state.bytes + line.length + 2;
        if (bytes > MAX_TRAILER_BYTES) return { kind: 'error', message: 'trailers too large' };
        if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+:/.test(line))
          return { kind: 'error', message: 'malformed trailer' };
        this.state = { at: 'trailer', bytes };
        continue;
      }
      // chunk-size [ chunk-ext ]: hex digits only, no sign, no whitespace before the size.
      const match = /^([0-9a-fA-F]{1,15})(?:[ \t]*;.*)?$/.exec(line);
      if (!match?.[1])
        return { kind: 'error', message: `malformed chunk size ${JSON.stringify(line.slice(0, 40))}` };
      const size = parseInt(match[1], 16);
      this.state = size === 0 ? { at: 'trailer', bytes: 0 } : { at: 'data', remaining: size };
    }
  }
}
