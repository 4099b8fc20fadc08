// Finds where a chunked response body (RFC 9112 §7.1) ends without copying or decoding it, so the
// engine's bytes can go to the client exactly as they came. The relay needs only the boundary: what
// is past it must not be there (the engine does not pipeline), and the connection can be reused.

const MAX_SIZE_LINE = 1024;
const MAX_TRAILER_BYTES = 16 * 1024;

export type ChunkedScan =
  /** All of the input belongs to the body, which goes on. */
  | { kind: 'more' }
  /** The body ends after `consumed` bytes of this input. */
  | { kind: 'done'; consumed: number }
  | { kind: 'error'; message: string };

const enum At {
  Size,
  SizeExtension,
  SizeLf,
  Data,
  DataCr,
  DataLf,
  TrailerLineStart,
  TrailerLine,
  TrailerLf,
  EndLf,
  Done,
}

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

export class ChunkedScanner {
  private at = At.Size;
  private size = 0;
  private digits = 0;
  private lineBytes = 0;
  private remaining = 0;
  private trailerBytes = 0;

  get done(): boolean {
    return this.at === At.Done;
  }

  scan(input: Buffer): ChunkedScan {
    let i = 0;
    const n = input.length;
    while (i < n) {
      switch (this.at) {
        case At.Data: {
          const take = Math.min(this.remaining, n - i);
          i += take;
          this.remaining -= take;
          if (this.remaining === 0) this.at = At.DataCr;
          break;
        }
        case At.Size: {
          const byte = input[i] as number;
          const value = hexValue(byte);
          if (value >= 0) {
            if (++this.digits > 15) return { kind: 'error', message: 'chunk size too large' };
            this.size = this.size * 16 + value;
          } else if (byte === 0x0d && this.digits > 0) {
            this.at = At.SizeLf;
          } else if ((byte === 0x3b || byte === 0x20 || byte === 0x09) && this.digits > 0) {
            this.at = At.SizeExtension;
          } else {
            return { kind: 'error', message: 'malformed chunk size' };
          }
          i++;
          break;
        }
        case At.SizeExtension: {
          const byte = input[i] as number;
          if (byte === 0x0d) this.at = At.SizeLf;
          else if (byte === 0x0a || byte === 0)
            return { kind: 'error', message: 'bare LF in chunk size line' };
          else if (++this.lineBytes > MAX_SIZE_LINE)
            return { kind: 'error', message: 'chunk size line too long' };
          i++;
          break;
        }
        case At.SizeLf: {
          if (input[i] !== 0x0a) return { kind: 'error', message: 'bare CR in chunk size line' };
          i++;
          if (this.size === 0) {
            this.at = At.TrailerLineStart;
          } else {
            this.remaining = this.size;
            this.at = At.Data;
          }
          this.size = 0;
          this.digits = 0;
          this.lineBytes = 0;
          break;
        }
        case At.DataCr:
          if (input[i] !== 0x0d) return { kind: 'error', message: 'chunk data not followed by CRLF' };
          i++;
          this.at = At.DataLf;
          break;
        case At.DataLf:
          if (input[i] !== 0x0a) return { kind: 'error', message: 'chunk data not followed by CRLF' };
          i++;
          this.at = At.Size;
          break;
        case At.TrailerLineStart:
          if (input[i] === 0x0d) {
            // An empty line: the end of the trailers and of the body.
            this.at = At.EndLf;
            i++;
          } else {
            this.at = At.TrailerLine;
          }
          break;
        case At.TrailerLine: {
          const byte = input[i] as number;
          if (byte === 0x0d) this.at = At.TrailerLf;
          else if (byte === 0x0a || byte === 0) return { kind: 'error', message: 'bare LF in trailer' };
          if (++this.trailerBytes > MAX_TRAILER_BYTES)
            return { kind: 'error', message: 'trailers too large' };
          i++;
          break;
        }
        case At.TrailerLf: {
          if (input[i] !== 0x0a) return { kind: 'error', message: 'bare CR in trailer' };
          i++;
          this.at = At.TrailerLineStart;
          break;
        }
        case At.EndLf:
          if (input[i] !== 0x0a) return { kind: 'error', message: 'bare CR after the last chunk' };
          this.at = At.Done;
          return { kind: 'done', consumed: i + 1 };
        case At.Done:
          return { kind: 'done', consumed: i };
      }
    }
    return { kind: 'more' };
  }
}
