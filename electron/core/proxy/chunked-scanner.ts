// The chunked framing (RFC 9112 §7.1), read strictly and incrementally, byte by byte, without copying:
// one grammar for both directions. Requests are de-chunked through it (chunked-decoder.ts hands out the
// data it finds); the engine's responses are only scanned for where they end, so their bytes can go
// to the client as they came.

/** Longest chunk-size line (size and extensions, without CRLF). */
const MAX_SIZE_LINE = 1024;
/** All trailer lines together, with their CRLFs. */
const MAX_TRAILER_BYTES = 16 * 1024;

export type ChunkedScan =
  /** All of the input belongs to the body, which goes on. */
  | { kind: 'more' }
  /** The body ends after `consumed` bytes of this input. */
  | { kind: 'done'; consumed: number }
  | { kind: 'error'; message: string };

const enum At {
  /** Hex digits of the size. */
  Size,
  /** Whitespace after the size: only a `;` extension may follow. */
  SizeSpace,
  /** `;` and what follows, up to CR. */
  SizeExtension,
  SizeLf,
  Data,
  DataCr,
  DataLf,
  TrailerLineStart,
  TrailerName,
  TrailerValue,
  TrailerLf,
  EndLf,
  Done,
}

const CR = 0x0d;
const LF = 0x0a;
const SEMICOLON = 0x3b;
const COLON = 0x3a;

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

const isSpace = (byte: number): boolean => byte === 0x20 || byte === 0x09;

/** RFC 9110 tchar: a header field name's characters. */
function isTokenChar(byte: number): boolean {
  if ((byte >= 0x30 && byte <= 0x39) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7a)) return true;
  return "!#$%&'*+-.^_`|~".includes(String.fromCharCode(byte));
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

  /** A scanner in the same state, to look ahead without moving this one. */
  clone(): ChunkedScanner {
    const copy = new ChunkedScanner();
    copy.at = this.at;
    copy.size = this.size;
    copy.digits = this.digits;
    copy.lineBytes = this.lineBytes;
    copy.remaining = this.remaining;
    copy.trailerBytes = this.trailerBytes;
    return copy;
  }

  /** Data bytes of the current chunk not yet scanned (0 outside chunk data). */
  get dataLeft(): number {
    return this.at === At.Data ? this.remaining : 0;
  }

  /** Whether the current chunk's data was all scanned and its CRLF comes next. */
  get atDataEnd(): boolean {
    return this.at === At.DataCr;
  }

  /**
   * Counts the rest of the current chunk's data as scanned: the zero-copy relay moves it without
   * JavaScript seeing it (the framing around it is still scanned here).
   */
  skipData(): void {
    if (this.at !== At.Data) return;
    this.remaining = 0;
    this.at = At.DataCr;
  }

  /**
   * Scans framing only: up to the first chunk data byte (then `dataLeft` says how much data follows),
   * the body's end, or the end of `input`. `consumed` counts the framing bytes read.
   */
  scanFraming(
    input: Buffer,
  ): { kind: 'data' | 'more' | 'done'; consumed: number } | { kind: 'error'; message: string } {
    let i = 0;
    while (i < input.length) {
      if (this.at === At.Data) return { kind: 'data', consumed: i };
      const error = this.step(input[i] as number);
      if (error) return { kind: 'error', message: error };
      i++;
      if (this.done) return { kind: 'done', consumed: i };
    }
    return { kind: this.at === At.Data ? 'data' : 'more', consumed: i };
  }

  /** Scans `input`; the chunk data found in it goes to `onData` as views of `input`. */
  scan(input: Buffer, onData?: (data: Buffer) => void): ChunkedScan {
    let i = 0;
    while (i < input.length) {
      if (this.at === At.Data) {
        const take = Math.min(this.remaining, input.length - i);
        onData?.(input.subarray(i, i + take));
        i += take;
        this.remaining -= take;
        if (this.remaining === 0) this.at = At.DataCr;
        continue;
      }
      if (this.at === At.Done) return { kind: 'done', consumed: i };
      const error = this.step(input[i] as number);
      if (error) return { kind: 'error', message: error };
      i++;
      // step() may have read the last byte of the body (`this.at` narrowed above does not know).
      if (this.done) return { kind: 'done', consumed: i };
    }
    return { kind: 'more' };
  }

  /** Reads one byte of framing (not of data); returns what is wrong with it, if anything. */
  private step(byte: number): string | undefined {
    switch (this.at) {
      case At.Size: {
        const value = hexValue(byte);
        if (value >= 0) {
          if (++this.digits > 15) return 'chunk size too large';
          this.size = this.size * 16 + value;
        } else if (this.digits === 0) return 'malformed chunk size';
        else if (byte === CR) this.at = At.SizeLf;
        else if (isSpace(byte)) this.at = At.SizeSpace;
        else if (byte === SEMICOLON) this.at = At.SizeExtension;
        else return 'malformed chunk size';
        return this.sizeLineByte(byte);
      }
      case At.SizeSpace:
        if (byte === SEMICOLON) this.at = At.SizeExtension;
        else if (!isSpace(byte)) return 'malformed chunk size';
        return this.sizeLineByte(byte);
      case At.SizeExtension:
        if (byte === CR) this.at = At.SizeLf;
        else if (byte === LF || byte === 0) return 'bare CR or LF in chunked body';
        return this.sizeLineByte(byte);
      case At.SizeLf:
        if (byte !== LF) return 'bare CR or LF in chunked body';
        this.at = this.size === 0 ? At.TrailerLineStart : At.Data;
        this.remaining = this.size;
        this.size = 0;
        this.digits = 0;
        this.lineBytes = 0;
        return undefined;
      case At.DataCr:
        if (byte !== CR) return 'chunk data not followed by CRLF';
        this.at = At.DataLf;
        return undefined;
      case At.DataLf:
        if (byte !== LF) return 'chunk data not followed by CRLF';
        this.at = At.Size;
        return undefined;
      case At.TrailerLineStart:
        // An empty line ends the trailers and the body.
        if (byte === CR) {
          this.at = At.EndLf;
          return undefined;
        }
        if (!isTokenChar(byte)) return 'malformed trailer';
        this.at = At.TrailerName;
        return this.trailerByte();
      case At.TrailerName:
        if (byte === COLON) this.at = At.TrailerValue;
        else if (!isTokenChar(byte)) return 'malformed trailer';
        return this.trailerByte();
      case At.TrailerValue:
        if (byte === CR) this.at = At.TrailerLf;
        else if (byte === LF || byte === 0) return 'bare CR or LF in chunked body';
        return this.trailerByte();
      case At.TrailerLf:
        if (byte !== LF) return 'bare CR or LF in chunked body';
        this.at = At.TrailerLineStart;
        return this.trailerByte();
      case At.EndLf:
        if (byte !== LF) return 'bare CR or LF in chunked body';
        this.at = At.Done;
        return undefined;
      case At.Data:
      case At.Done:
        return undefined;
    }
  }

  /** Counts a size-line byte (its CR excluded). */
  private sizeLineByte(byte: number): string | undefined {
    if (byte !== CR && ++this.lineBytes > MAX_SIZE_LINE) return 'chunk size line too long';
    return undefined;
  }

  private trailerByte(): string | undefined {
    return ++this.trailerBytes > MAX_TRAILER_BYTES ? 'trailers too large' : undefined;
  }
}
