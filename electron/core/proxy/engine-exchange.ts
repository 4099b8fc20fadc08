// One request and its response on a pooled engine connection. The request head is the proxy's own
// serialization; the response body is handed on as the engine's raw bytes (its framing intact) with
// only its end located, so a streamed gigabyte costs a read and a write per socket buffer. A large
// body the client takes as it came goes on in the kernel once its first read shows it is large
// (splice-transfer.ts): a sized one to its last byte, one read to the close to the end, a chunked one
// chunk by chunk: the relay follows the canonical framing Docker writes by itself, and shows any other
// (the last chunk among them) to the scanner here before moving it; a chunked one the engine closes
// after (a bulk download asked with `Connection: close`, bulk-download.ts) in one move to that close.
import type net from 'node:net';
import { ChunkedScanner } from './chunked-scanner.js';
import { parseResponseHead, type ResponseHead } from './response-head.js';
import {
  spliceAvailable,
  spliceTransfer,
  type SpliceOutcome,
  type SpliceTransfer,
} from './splice-transfer.js';
import type { EngineLink, LinkHandler, Upstream } from './upstream.js';
import type { SplicePlan } from './zero-copy-relay.js';

const CRLF = Buffer.from('\r\n');
const LAST_CHUNK = Buffer.from('0\r\n\r\n');
/**
 * A body goes zero-copy once this much of it is known to follow (a sized one), or one read brought this
 * much (a chunked or close-delimited one): below, opening a relay costs more than it saves.
 */
export const ZERO_COPY_MIN_BYTES = 64 * 1024;
/** A chunk this large stays with the relay when it asks (splice-relay.cc counts smaller ones as small). */
export const FOLLOWED_CHUNK_MIN_BYTES = 4096;

/** Where the response goes (the client connection). Calls come in this order: head, body*, end. */
export interface ExchangeSink {
  head(head: ResponseHead): void;
  /** Body bytes exactly as the engine framed them (chunked stays chunked). */
  body(raw: Buffer): void;
  end(): void;
  /**
   * The engine switched protocols: the connection (never pooled again) and any bytes already read
   * (`rest`, a copy) now belong to the caller, who sets its handler.
   */
  upgraded(head: ResponseHead, link: EngineLink, rest: Buffer): void;
  /**
   * Where the rest of the body may go zero-copy (the client's socket), or null: the client does not
   * take the engine's bytes as they came, or the proxy keeps a copy of the answer.
   */
  zeroCopyTarget?(): net.Socket | null;
  /** No complete response: the engine is unreachable, closed early or answered nonsense. */
  failed(error: Error | null, responded: boolean): void;
}

export interface ExchangeRequest {
  method: string;
  /** The serialized request head, ending with the empty line. */
  head: string;
  /** A chunked body: `writeBody` frames each piece. Otherwise bodies are sent as given. */
  chunkedBody: boolean;
  /** An upgrade was asked for: a 101 hands the socket over, any other answer closes it after. */
  hijack: boolean;
  /** The head asks the engine to close after answering (a bulk download: bulk-download.ts). */
  closeAfter: boolean;
}

/**
 * A chunked body that runs to the engine's close: asked for (`closeAfter`) and agreed to (the answer
 * says it closes). Its framing passes as it came, unread once the kernel relays it (bulk-download.ts).
 */
export function runsToClose(request: ExchangeRequest, response: ResponseHead): boolean {
  return request.closeAfter && response.framing.kind === 'chunked' && !response.keepAlive;
}

type Phase = 'head' | 'body' | 'done';

export class EngineExchange implements LinkHandler {
  private readonly link: EngineLink;
  private phase: Phase = 'head';
  private pending: Buffer | null = null;
  private response: ResponseHead | null = null;
  private remaining = 0;
  private scanner: ChunkedScanner | null = null;
  private requestDone = false;
  private reusable = true;
  /** The body going zero-copy to the client (see maybeSplice). */
  private splice: SpliceTransfer | null = null;
  private spliceRefused = false;
  private spliceError: Error | null = null;
  /** The kernel took a body that runs to the close (runsToClose) to that close: its end is the body's. */
  private splicedToClose = false;

  constructor(
    private readonly upstream: Upstream,
    private readonly request: ExchangeRequest,
    private readonly sink: ExchangeSink,
  ) {
    this.link = upstream.acquire();
    this.link.handler = this;
    if (request.hijack) this.reusable = false;
  }

  private get socket(): EngineLink['socket'] {
    return this.link.socket;
  }

  /**
   * Where a request body may go zero-copy: the engine's socket while this exchange holds it, connected
   * (null once it answered, failed or was aborted).
   */
  zeroCopyTarget(): net.Socket | null {
    const socket = this.socket;
    return this.phase !== 'done' && this.link.handler === this && !socket.destroyed && !socket.connecting
      ? socket
      : null;
  }

  /** Keeps the bytes of the current `body` call alive until the release is called (see EngineLink). */
  hold(): () => void {
    return this.link.hold();
  }

  /** Sends the head, and the whole body when it is known (one writev). */
  start(body: Buffer | null): void {
    this.socket.cork();
    this.socket.write(this.request.head, 'latin1');
    if (body && body.length > 0) this.socket.write(body);
    this.socket.uncork();
  }

  /**
   * Streams the next part of the body: the pieces go out in one writev, as one chunk when the body is
   * chunked. False asks the caller to wait for `onDrain`.
   */
  writeBody(pieces: readonly Buffer[], bytes: number, written: () => void): boolean {
    if (this.phase === 'done' || this.socket.destroyed || bytes === 0) {
      written();
      return true;
    }
    this.socket.cork();
    if (this.request.chunkedBody) this.socket.write(`${bytes.toString(16)}\r\n`, 'latin1');
    const last = this.request.chunkedBody ? CRLF : pieces[pieces.length - 1];
    for (const piece of pieces) if (piece !== last) this.socket.write(piece);
    // Callbacks run in order: the last write's says every piece has left.
    const ok = this.socket.write(last ?? CRLF, written);
    this.socket.uncork();
    return ok;
  }

  onDrain(callback: () => void): void {
    this.socket.once('drain', callback);
  }

  endBody(): void {
    this.requestDone = true;
    if (this.phase === 'done') {
      this.settle();
      return;
    }
    if (this.request.chunkedBody && !this.socket.destroyed) this.socket.write(LAST_CHUNK);
  }

  /** Stops reading the engine's answer until `resume` (the client is slower). */
  pause(): void {
    if (this.link.handler === this) this.socket.pause();
  }

  /**
   * A drain that comes after the exchange ended must not resume a connection now serving another, and
   * one that comes while the kernel relays the body must not start Node's reads behind it.
   */
  resume(): void {
    if (this.link.handler === this && !this.splice) this.socket.resume();
  }

  /** The client went away: the engine's work for it (a log stream, an export) stops with the connection. */
  abort(): void {
    if (this.phase === 'done') return;
    this.stopSplice();
    this.phase = 'done';
    this.link.handler = null;
    this.socket.destroy();
  }

  onData(chunk: Buffer): void {
    if (this.phase === 'head') {
      this.readHead(chunk);
      return;
    }
    if (this.phase === 'body') {
      this.readBody(chunk);
      return;
    }
    // After a complete response nothing more may come (the engine does not pipeline).
    this.reusable = false;
    this.socket.destroy();
  }

  onEnd(): void {
    if (this.phase === 'body' && (this.response?.framing.kind === 'close' || this.splicedToClose)) {
      this.reusable = false;
      this.complete();
      return;
    }
    this.reusable = false;
    if (this.phase !== 'done') this.fail(null);
    this.socket.destroy();
  }

  onClose(error: Error | null): void {
    if (this.phase !== 'done') this.fail(error);
  }

  private fail(error: Error | null): void {
    this.stopSplice();
    this.phase = 'done';
    this.link.handler = null;
    this.socket.destroy();
    this.sink.failed(error, this.response !== null);
  }

  private readHead(chunk: Buffer): void {
    let buffer = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = null;
    for (;;) {
      const parsed = parseResponseHead(buffer, this.request.method);
      if (parsed.kind === 'incomplete') {
        // `chunk` is a view into a read buffer that is about to be reused: keep a copy.
        this.pending = Buffer.from(buffer);
        return;
      }
      if (parsed.kind === 'error') {
        this.fail(new Error(`the engine sent a malformed response: ${parsed.message}`));
        return;
      }
      const { head } = parsed;
      buffer = buffer.subarray(parsed.consumed);
      if (head.status === 101) {
        if (!this.request.hijack) {
          this.fail(new Error('the engine switched protocols unasked'));
          return;
        }
        this.phase = 'done';
        this.response = head;
        this.link.handler = null;
        this.sink.upgraded(head, this.link, Buffer.from(buffer));
        return;
      }
      // Interim answers (100 Continue) are not the response; the proxy answers Expect itself.
      if (head.status < 200) continue;
      this.response = head;
      this.phase = 'body';
      if (!head.keepAlive) this.reusable = false;
      this.sink.head(head);
      if (head.framing.kind === 'none') {
        if (buffer.length > 0) this.reusable = false;
        this.complete();
        return;
      }
      if (head.framing.kind === 'length') this.remaining = head.framing.length;
      if (head.framing.kind === 'chunked') this.scanner = new ChunkedScanner();
      if (buffer.length > 0 || head.framing.kind === 'length') this.readBody(buffer);
      return;
    }
  }

  private readBody(chunk: Buffer): void {
    const framing = this.response?.framing.kind;
    if (framing === 'close') {
      this.sink.body(chunk);
      this.maybeSplice(chunk.length);
      return;
    }
    let consumed: number;
    if (framing === 'length') {
      consumed = Math.min(this.remaining, chunk.length);
      this.remaining -= consumed;
      if (this.remaining > 0) {
        if (consumed > 0) this.sink.body(chunk);
        this.maybeSplice(chunk.length);
        return;
      }
    } else {
      const scan = (this.scanner as ChunkedScanner).scan(chunk);
      if (scan.kind === 'error') {
        this.fail(new Error(`the engine sent a malformed chunked body: ${scan.message}`));
        return;
      }
      if (scan.kind === 'more') {
        this.sink.body(chunk);
        this.maybeSplice(chunk.length);
        return;
      }
      consumed = scan.consumed;
    }
    if (consumed > 0) this.sink.body(consumed === chunk.length ? chunk : chunk.subarray(0, consumed));
    if (consumed < chunk.length) this.reusable = false;
    this.complete();
  }

  /**
   * Hands the rest of a large body to the kernel, from the engine's socket to the client's, where the
   * client takes the bytes as they came; `readBytes` is what the last read brought.
   */
  private maybeSplice(readBytes: number): void {
    if (this.phase !== 'body' || this.splice || this.spliceRefused || !spliceAvailable()) return;
    const framing = this.response?.framing.kind;
    const large =
      framing === 'length' ? this.remaining >= ZERO_COPY_MIN_BYTES : readBytes >= ZERO_COPY_MIN_BYTES;
    if (!large) return;
    const to = this.sink.zeroCopyTarget?.() ?? null;
    if (!to) {
      this.spliceRefused = true;
      return;
    }
    const transfer = spliceTransfer(this.socket, to, {
      first: () => this.firstPlan(),
      next: (waiting, chunkEnded) => this.nextPlan(waiting, chunkEnded),
      outcome: (result) => this.spliced(result),
    });
    this.splice = transfer?.running ? transfer : null;
    if (!transfer) this.spliceRefused = true;
  }

  /** The first plan, on the state the JS relay left (it may have read more while the relay waited). */
  private firstPlan(): SplicePlan | null {
    if (this.phase !== 'body' || this.link.handler !== this) return null;
    const response = this.response as ResponseHead;
    const framing = response.framing.kind;
    if (framing === 'close') return { move: 'all', last: true };
    if (runsToClose(this.request, response)) {
      this.splicedToClose = true;
      return { move: 'all', last: true };
    }
    if (framing === 'length') return this.remaining > 0 ? { move: this.remaining, last: true } : null;
    const scanner = this.scanner as ChunkedScanner;
    const left = scanner.dataLeft;
    scanner.skipData();
    // Where the move ends at a chunk's end, the relay follows the canonical chunks after it itself:
    // the scanner's state there (data done, CRLF next) is the same after each of them.
    return { move: left, last: false, chunks: scanner.atDataEnd };
  }

  /**
   * A chunked body's next plan: the bytes shown are scanned as the JS relay scans them, then moved with
   * the rest of the chunk they end in, or up to the body's end.
   */
  private nextPlan(waiting: Buffer, chunkEnded: boolean): SplicePlan | null {
    const scanner = this.scanner;
    if (!scanner) return null;
    // The relay moved the CRLF after the data (the scanner was there: plans with `chunks` end there).
    if (chunkEnded && scanner.scan(CRLF).kind !== 'more') {
      this.spliceError = new Error('the splice relay lost its place in a chunked body');
      return null;
    }
    // Small chunks go back to JS (the relay stops at this boundary, the scanner as it was): a plan per
    // chunk costs a look and a call into JS, more than JS spends on the many chunks one read brings.
    // Docker's own 32 KiB chunks stay: the relay follows them itself after this plan.
    const probe = scanner.clone();
    if (probe.scan(waiting).kind === 'more' && probe.dataLeft + waiting.length < FOLLOWED_CHUNK_MIN_BYTES)
      return null;
    const scan = scanner.scan(waiting);
    if (scan.kind === 'error') {
      this.spliceError = new Error(`the engine sent a malformed chunked body: ${scan.message}`);
      return null;
    }
    if (scan.kind === 'done') return { move: scan.consumed, last: true };
    const left = scanner.dataLeft;
    scanner.skipData();
    return { move: waiting.length + left, last: false, chunks: scanner.atDataEnd };
  }

  private spliced(result: SpliceOutcome): void {
    this.splice = null;
    switch (result.kind) {
      case 'done':
        // The body's last byte is written; the engine's socket stays paused until it is pooled again.
        this.remaining = 0;
        this.complete();
        return;
      case 'declined':
        this.spliceRefused = true;
        if (this.spliceError) this.fail(this.spliceError);
        else this.resume();
        return;
      // The end is read again by Node (onEnd), a failed socket was destroyed (onClose): as in JS.
      case 'ended':
      case 'failed':
      case 'closed':
        return;
    }
  }

  private stopSplice(): void {
    this.splice?.stop();
    this.splice = null;
  }

  private complete(): void {
    this.stopSplice();
    this.phase = 'done';
    this.sink.end();
    this.settle();
  }

  /** Once both the response and the request body are done, the connection goes back to the pool. */
  private settle(): void {
    if (this.link.handler !== this) return;
    if (!this.requestDone) {
      // The engine answered before the whole body was sent: the connection is mid-request.
      this.link.handler = null;
      this.socket.destroy();
      return;
    }
    if (this.reusable && !this.socket.destroyed) this.upstream.release(this.link);
    else {
      this.link.handler = null;
      this.socket.destroy();
    }
  }
}
