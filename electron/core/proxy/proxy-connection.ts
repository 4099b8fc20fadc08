// One client connection: parse a request, let the gate judge it, forward the canonical request to the
// engine, relay the response, repeat (keep-alive, pipelining in order). After a hijack (attach, exec,
// BuildKit session) bytes flow raw both ways, with half-close preserved. What a connection may hold,
// and for how long, is its client's (client-limits.ts): a head and a judged body have deadlines, a
// judged body a size limit and a turn, an idle connection is closed after a while.
//
// Where bytes no longer need JavaScript they go zero-copy (splice-transfer.ts), the JS relay taking
// over again at the same byte: a hijacked stream both ways, a large response body the client takes
// as it came (engine-exchange.ts), and a large request body the gate judged without reading it,
// re-framed by the proxy as in JS. A body the gate reads is read here, whole, as before: no byte the
// gate did not judge reaches the engine by any other way. After a relayed body, the next pipelined
// request is parsed from the first byte after it.
import type net from 'node:net';
import { ChunkedDecoder } from './chunked-decoder.js';
import type { ClientBudget } from './client-budget.js';
import type { ClientLimits } from './client-limits.js';
import { readClient, type ClientReads } from './client-reads.js';
import { isBulkDownload } from './bulk-download.js';
import {
  EngineExchange,
  FOLLOWED_CHUNK_MIN_BYTES,
  runsToClose,
  ZERO_COPY_MIN_BYTES,
  type ExchangeRequest,
  type ExchangeSink,
} from './engine-exchange.js';
import { MESSAGE_PREFIX, engineErrorResponse } from './engine-error.js';
import { countJsonValues } from './json-values.js';
import { closeLingering } from './lingering-close.js';
import type { Requester, RequestGate, Verdict } from './request-gate.js';
import { HOP_BY_HOP, MAX_HEAD_BYTES, parseRequestHead, type RequestHead } from './request-head.js';
import {
  spliceAvailable,
  spliceTransfer,
  type SpliceOutcome,
  type SplicePlanner,
  type SpliceTransfer,
} from './splice-transfer.js';
import type { TurnQueue } from './turn-queue.js';
import type { EngineLink, Upstream } from './upstream.js';
import type { SplicePlan } from './zero-copy-relay.js';

/** The engine's answers the gate asks to see (a create's: the new container's ID) are small JSON. */
const MAX_SEEN_RESPONSE_BYTES = 1 << 20;
/** Pipelined bytes held while a request is in flight before the socket is paused. */
const MAX_BUFFERED_BYTES = 1 << 20;
const CRLF = Buffer.from('\r\n');
const CRLFCRLF = Buffer.from('\r\n\r\n');
const LAST_CHUNK = Buffer.from('0\r\n\r\n');

// The engine hijacks these even without an Upgrade header (the older "200 raw-stream" form).
const LEGACY_HIJACK = /^(?:\/v[0-9.]+)?\/(?:containers\/[^/?]+\/attach|exec\/[^/?]+\/start)(?:\?|$)/;

export interface ConnectionOptions {
  upstream: Upstream;
  gate: RequestGate;
  requester: Requester;
  onError?: (error: Error) => void;
  /** The client's limits, what it holds, and its turns at judging whole bodies. */
  limits: ClientLimits;
  budget: ClientBudget;
  judgements: TurnQueue;
}

type BodyError = { status: number; message: string };

const seconds = (ms: number): string => `${Math.round(ms / 100) / 10} s`;

type BodySink = (chunk: Buffer) => void;

/** A streamed request body may go zero-copy to `exchange`'s engine socket once `flush` has written what JS holds. */
interface BodyZeroCopy {
  exchange: EngineExchange;
  flush: () => void;
}

export class ProxyConnection {
  private buffer: Buffer = Buffer.alloc(0);
  private busy = false;
  private sink: BodySink | null = null;
  private hijacked = false;
  private closed = false;
  private clientEnded = false;
  /** While a request body is being read: ends it with a 400 when the client closes its side first. */
  private bodyCut: (() => void) | null = null;
  private corked = false;
  /** The engine exchange being served; aborted when the client goes away so streams stop upstream too. */
  private exchange: EngineExchange | null = null;
  /** A request body going zero-copy to the engine: nothing else reads the client while it runs. */
  private bodySplice: SpliceTransfer | null = null;
  /** Where the client's bytes go: requests, nowhere (after a refusal), or the engine (after a hijack). */
  private onData: (chunk: Buffer) => void = (chunk) => this.receive(chunk);
  private readonly reads: ClientReads;
  /** The one deadline running: for the head being read, the judged body, or an idle connection. */
  private deadline: { kind: 'idle' | 'head' | 'body'; timer: NodeJS.Timeout } | null = null;
  /** Reads after `buffer` not yet joined to it (see receive()). */
  private unjoined: Buffer[] = [];
  private unjoinedBytes = 0;
  /** Bytes of `buffer` and `unjoined` counted in the client's budget. */
  private heldCounted = 0;
  /** Held bytes at which an unfinished head is parsed again even without a possible end in sight. */
  private parseAgainAt: number;

  constructor(
    private readonly socket: net.Socket,
    private readonly options: ConnectionOptions,
  ) {
    this.parseAgainAt = options.limits.maxTargetBytes + 64;
    socket.setNoDelay(true);
    // Reads are views into reused buffers: whatever is kept past a read is copied or held (see hold()).
    this.reads = readClient(socket, options.upstream.buffers, (chunk) => this.onData(chunk));
    socket.on('end', () => {
      this.clientEnded = true;
      if (this.bodyCut) this.bodyCut();
      // Not end() at once: a whole pipelined request may still wait in the buffer for its turn.
      else if (!this.busy && !this.hijacked) this.next();
    });
    socket.on('error', () => this.destroy());
    socket.on('close', () => {
      this.closed = true;
      this.disarm();
      this.options.budget.adjustHeld(-this.heldCounted);
      this.heldCounted = 0;
      this.exchange?.abort();
    });
    // Nothing is buffered yet: this starts the idle deadline.
    this.next();
  }

  /** Keeps `buffer` as the unparsed bytes (before any unjoined ones), counted in the client's budget. */
  private keep(buffer: Buffer): void {
    this.buffer = buffer;
    this.countHeld();
  }

  private countHeld(): void {
    if (this.closed) return;
    const held = this.buffer.length + this.unjoinedBytes;
    this.options.budget.adjustHeld(held - this.heldCounted);
    this.heldCounted = held;
  }

  /** The unparsed bytes as one buffer: `buffer` and the reads not yet joined to it. */
  private join(): Buffer {
    if (this.unjoined.length > 0) {
      // A request that came in one read (the usual case) is not copied a second time.
      const joined =
        this.buffer.length === 0 && this.unjoined.length === 1
          ? (this.unjoined[0] as Buffer)
          : Buffer.concat([this.buffer, ...this.unjoined], this.buffer.length + this.unjoinedBytes);
      this.unjoined = [];
      this.unjoinedBytes = 0;
      this.keep(joined);
    }
    return this.buffer;
  }

  /** Whether the head's end could be in `chunk`, the last read, or straddle it and the bytes before. */
  private mayEndHead(chunk: Buffer): boolean {
    if (chunk.includes(CRLFCRLF)) return true;
    // The three bytes before `chunk`, which may lie in several earlier reads.
    const before: Buffer[] = [];
    let needed = 3;
    for (let i = this.unjoined.length - 2; i >= -1 && needed > 0; i--) {
      const part = i >= 0 ? this.unjoined[i] : this.buffer;
      if (!part || part.length === 0) continue;
      const take = part.subarray(Math.max(0, part.length - needed));
      before.unshift(take);
      needed -= take.length;
    }
    return Buffer.concat([...before, chunk.subarray(0, 3)]).includes(CRLFCRLF);
  }

  /** Starts the deadline of `kind` unless it already runs (a head's counts from its first byte). */
  private arm(kind: 'idle' | 'head' | 'body', ms: number, expire: () => void): void {
    if (this.deadline?.kind === kind) return;
    this.disarm();
    this.deadline = { kind, timer: setTimeout(expire, ms) };
  }

  private disarm(): void {
    if (this.deadline) clearTimeout(this.deadline.timer);
    this.deadline = null;
  }

  /**
   * Writes through a cork that is lifted on the next tick, so everything produced in one turn of the
   * event loop (a response head and its body, several chunks) leaves in one writev.
   */
  private writeBatched(data: string | Buffer, written?: () => void): boolean {
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    return this.socket.write(data, written);
  }

  /** True while no request is in flight (shutdown closes idle connections at once). */
  get idle(): boolean {
    return !this.busy && !this.hijacked;
  }

  destroy(): void {
    this.closed = true;
    this.disarm();
    this.stopBodySplice();
    this.socket.destroy();
  }

  /**
   * The connection is done with the body being relayed (answered, refused): the kernel stops reading
   * the client before anything else does (what it held is dropped, the body is abandoned, as the rest
   * of a body is in JS then).
   */
  private stopBodySplice(): void {
    this.bodySplice?.stop();
    this.bodySplice = null;
  }

  private receive(chunk: Buffer): void {
    if (this.sink) {
      this.sink(chunk);
      return;
    }
    // Kept apart until a head could be whole: joining on every read made a head sent in small pieces
    // cost the square of its size.
    const copy = Buffer.from(chunk);
    this.unjoined.push(copy);
    this.unjoinedBytes += copy.length;
    this.countHeld();
    if (this.busy) {
      // finish() resumes it once the request in flight is done.
      if (this.heldCounted > MAX_BUFFERED_BYTES || this.options.budget.overHeld) this.socket.pause();
      return;
    }
    if (this.hijacked || this.closed) return;
    // Parsed early too, at sizes doubling from the target limit: a request line past it is refused
    // before the rest of a huge head is waited for, and parsing stays linear in the head's size.
    if (!this.mayEndHead(copy) && this.heldCounted < this.parseAgainAt) this.awaitHead();
    else this.next();
  }

  /** A head is begun and not whole: wait for the rest, within the deadline and the client's bytes. */
  private awaitHead(): void {
    const { limits } = this.options;
    if (this.clientEnded) this.socket.end();
    else if (this.options.budget.overHeld)
      this.refuse(
        429,
        `${MESSAGE_PREFIX}too many request bytes held for ${clientWords(this.options.requester)}`,
        false,
      );
    else
      this.arm('head', limits.headTimeoutMs, () =>
        this.refuse(
          408,
          `${MESSAGE_PREFIX}request head not received within ${seconds(limits.headTimeoutMs)}`,
          false,
        ),
      );
  }

  /** Parses and serves the next request in the buffer, if a whole head is there. */
  private next(): void {
    if (this.closed || this.busy || this.hijacked) return;
    const buffer = this.join();
    if (buffer.length === 0) {
      if (this.clientEnded) this.socket.end();
      // Closed quietly, as a server closes an idle keep-alive connection: no request is waiting.
      else this.arm('idle', this.options.limits.idleTimeoutMs, () => this.destroy());
      return;
    }
    const parsed = parseRequestHead(buffer, this.options.limits.maxTargetBytes);
    if (parsed.kind === 'incomplete') {
      this.parseAgainAt = Math.min(MAX_HEAD_BYTES + 1, 2 * buffer.length);
      this.awaitHead();
      return;
    }
    this.parseAgainAt = this.options.limits.maxTargetBytes + 64;
    this.disarm();
    if (parsed.kind === 'error') {
      this.refuse(parsed.status, `${MESSAGE_PREFIX}malformed request: ${parsed.message}`, false);
      return;
    }
    if (!parsed.head.target.startsWith('/')) {
      this.refuse(
        400,
        `${MESSAGE_PREFIX}malformed request: only origin-form request-targets are accepted`,
        false,
      );
      return;
    }
    this.keep(buffer.subarray(parsed.consumed));
    this.busy = true;
    this.socket.resume();
    this.serve(parsed.head).catch((error: unknown) => {
      this.options.onError?.(error instanceof Error ? error : new Error(String(error)));
      if (!this.closed) this.refuse(500, `${MESSAGE_PREFIX}internal error while handling the request`, false);
    });
  }

  /**
   * Answers with an engine-style error and closes: the rest of the stream cannot be trusted. What the
   * client still sends is dropped; a client that never closes its side is cut after a linger.
   */
  private refuse(status: number, message: string, head: boolean): void {
    this.stopBodySplice();
    this.busy = true;
    this.disarm();
    this.sink = null;
    this.bodyCut = null;
    this.onData = () => undefined;
    closeLingering(this.socket, engineErrorResponse(status, message, { head, close: true }));
  }

  private finish(keepAlive: boolean): void {
    this.stopBodySplice();
    if (this.closed) return;
    if (!keepAlive) {
      // A client that never closes its side does not keep its slot (see refuse()).
      this.onData = () => undefined;
      closeLingering(this.socket);
      this.closed = true;
      return;
    }
    this.busy = false;
    this.socket.resume();
    // Nothing pipelined (the usual case): wait idle now, without a turn of the event loop per request.
    if (this.buffer.length === 0 && this.unjoinedBytes === 0) this.next();
    // Let the write drain before parsing pipelined requests: keeps responses ordered and bounded.
    else setImmediate(() => this.next());
  }

  private async serve(head: RequestHead): Promise<void> {
    const { gate, requester } = this.options;
    const isHead = head.method === 'HEAD';
    let body: Buffer | null = null;
    let bodyRead = head.body.kind === 'none';
    let verdict: Verdict;
    if (head.body.kind !== 'none' && gate.needsBody(head, requester)) {
      const judged = await this.judgeWhole(head);
      if (judged === null) return;
      ({ body, verdict } = judged);
      bodyRead = true;
    } else {
      const costly = head.target.length > this.options.limits.turnTargetBytes;
      const done = costly ? await this.turn() : null;
      if (costly && !done) return;
      try {
        verdict = await gate.decide(head, head.body.kind === 'none' ? Buffer.alloc(0) : null, requester);
      } finally {
        done?.();
      }
    }
    if (this.closed) return;
    if (verdict.kind === 'deny') {
      // An unread body would be parsed as the next request: close instead of guessing where it ends.
      const response = engineErrorResponse(verdict.status, verdict.message, {
        head: isHead,
        close: !bodyRead || !head.keepAlive,
      });
      this.socket.write(response);
      this.finish(bodyRead && head.keepAlive);
      return;
    }
    const target = verdict.target ?? head.target;
    const forwardedBody = verdict.body ?? body;
    const hijack = head.upgrade !== null || (head.method === 'POST' && LEGACY_HIJACK.test(target));
    const chunkedBody = forwardedBody === null && head.body.kind === 'chunked';
    const closeAfter = !hijack && isBulkDownload(head.method, target);
    const request: ExchangeRequest = {
      method: head.method,
      head: requestHeadText(head, target, forwardedBody, hijack, closeAfter),
      chunkedBody,
      hijack,
      closeAfter,
    };
    const exchange = new EngineExchange(
      this.options.upstream,
      request,
      this.responseSink(head, request, hijack ? () => true : () => bodyRead, verdict.onResponse),
    );
    this.exchange = exchange;
    exchange.start(forwardedBody);
    if (forwardedBody !== null || head.body.kind === 'none') {
      exchange.endBody();
      return;
    }
    this.answerExpectContinue(head);
    this.streamBody(head, exchange, () => {
      bodyRead = true;
    });
  }

  /**
   * Reads a body whole and has the gate judge it, in one of the client's turns (so a client's bodies
   * are held and decoded a few at a time), within the size limit and the body deadline. Null when the
   * request was answered (refused) or the client went away.
   */
  private async judgeWhole(head: RequestHead): Promise<{ body: Buffer; verdict: Verdict } | null> {
    const { gate, requester, limits } = this.options;
    const isHead = head.method === 'HEAD';
    const limit = limits.maxJudgedBodyBytes;
    // Refused before waiting for a turn: with Expect: 100-continue the client never sends it.
    if (head.body.kind === 'length' && head.body.length > limit) {
      this.refuse(413, `${MESSAGE_PREFIX}${tooLarge(limit)}`, isHead);
      return null;
    }
    const done = await this.turn();
    if (!done) return null;
    try {
      this.answerExpectContinue(head);
      const collected = await this.collectBody(head, limit, limits.bodyTimeoutMs);
      if (collected.kind === 'error') {
        if (!this.closed) this.refuse(collected.status, `${MESSAGE_PREFIX}${collected.message}`, isHead);
        return null;
      }
      const most = limits.maxJudgedBodyValues;
      if (countJsonValues(collected.body, most) > most) {
        this.refuse(
          413,
          `${MESSAGE_PREFIX}request body holds more than ${most} JSON values, the most Socket Warden judges`,
          isHead,
        );
        return null;
      }
      const verdict = await gate.decide(head, collected.body, requester);
      return { body: collected.body, verdict };
    } finally {
      done();
    }
  }

  /** Waits for one of the client's judging turns; null when the connection closes first. */
  private turn(): Promise<(() => void) | null> {
    return new Promise((resolve) => {
      let cancel = (): void => undefined;
      const gone = (): void => {
        cancel();
        resolve(null);
      };
      // Listened for before the turn is asked: a free turn begins inside take(), and its off() must
      // find the listener there (added after, one stayed behind per judged request on the connection).
      if (!this.closed) this.socket.once('close', gone);
      cancel = this.options.judgements.take((done) => {
        this.socket.off('close', gone);
        if (this.closed) {
          done();
          resolve(null);
        } else resolve(done);
      });
    });
  }

  /** The proxy reads the body, so it answers `Expect: 100-continue` itself (the engine never sees it). */
  private answerExpectContinue(head: RequestHead): void {
    // An HTTP/1.0 client gets no interim answer (RFC 9110 §15.2).
    if (head.expectContinue && head.httpVersion === '1.1') this.socket.write('HTTP/1.1 100 Continue\r\n\r\n');
  }

  /** Reads the whole body into memory (bounded in size and time), for the gate to judge. */
  private collectBody(
    head: RequestHead,
    limit: number,
    timeoutMs: number,
  ): Promise<{ kind: 'body'; body: Buffer } | ({ kind: 'error' } & BodyError)> {
    return new Promise((resolve) => {
      const parts: Buffer[] = [];
      let size = 0;
      const abort = this.readBody(
        head,
        (chunk) => {
          size += chunk.length;
          if (size > limit) return false;
          parts.push(Buffer.from(chunk));
          return true;
        },
        (error) => {
          this.disarm();
          if (error) resolve({ kind: 'error', status: error.status, message: error.message });
          else resolve({ kind: 'body', body: Buffer.concat(parts, size) });
        },
        limit,
      );
      if (abort)
        this.arm('body', timeoutMs, () =>
          abort({ status: 408, message: `request body not received within ${seconds(timeoutMs)}` }),
        );
    });
  }

  /** Streams the body to the engine with backpressure. */
  private streamBody(head: RequestHead, exchange: EngineExchange, onDone: () => void): void {
    // De-chunked pieces of one turn of the event loop go to the engine as one writev (one chunk).
    let gathered: Buffer[] = [];
    let gatheredBytes = 0;
    // The pieces are views into the client's read buffers: held until the engine write has taken them.
    let releases: (() => void)[] = [];
    const flush = (): void => {
      if (gathered.length === 0) return;
      const written = releases;
      const ok = exchange.writeBody(gathered, gatheredBytes, () => written.forEach((release) => release()));
      gathered = [];
      gatheredBytes = 0;
      releases = [];
      if (!ok && !this.socket.isPaused()) {
        this.socket.pause();
        // Not behind a zero-copy relay, which has the client's reads now.
        exchange.onDrain(() => {
          if (!this.bodySplice) this.socket.resume();
        });
      }
    };
    this.readBody(
      head,
      (chunk) => {
        if (gathered.length === 0) process.nextTick(flush);
        gathered.push(chunk);
        gatheredBytes += chunk.length;
        releases.push(this.reads.hold());
        return true;
      },
      (error) => {
        if (error) {
          gathered = [];
          exchange.abort();
          this.refuse(error.status, `${MESSAGE_PREFIX}malformed request body: ${error.message}`, false);
          return;
        }
        flush();
        onDone();
        exchange.endBody();
      },
      Infinity,
      { exchange, flush },
    );
  }

  /**
   * Delivers the body's bytes (de-chunked) to `onChunk`, first from the buffer, then from the socket.
   * Bytes after the body stay in the buffer for the next request.
   */
  private readBody(
    head: RequestHead,
    onChunk: (chunk: Buffer) => boolean,
    onEnd: (error: BodyError | null) => void,
    limit = Infinity,
    zeroCopy?: BodyZeroCopy,
  ): ((error: BodyError) => void) | undefined {
    const framing = head.body;
    if (framing.kind === 'none') {
      onEnd(null);
      return undefined;
    }
    if (framing.kind === 'length' && framing.length > limit) {
      onEnd({ status: 413, message: tooLarge(limit) });
      return undefined;
    }
    let done = false;
    const complete = (error: BodyError | null, rest: Buffer): void => {
      if (done) return;
      done = true;
      this.sink = null;
      this.bodyCut = null;
      this.keep(Buffer.from(rest));
      onEnd(error);
    };
    let remaining = framing.kind === 'length' ? framing.length : 0;
    const decoder = framing.kind === 'chunked' ? new ChunkedDecoder() : null;
    const sink: BodySink = (chunk) => {
      if (done) {
        this.keep(Buffer.concat([this.join(), chunk]));
        return;
      }
      if (decoder) {
        const step = decoder.push(chunk);
        if (step.kind === 'error') return complete({ status: 400, message: step.message }, Buffer.alloc(0));
        for (const data of step.data) {
          if (data.length > 0 && !onChunk(data))
            return complete({ status: 413, message: tooLarge(limit) }, Buffer.alloc(0));
        }
        if (step.done) complete(null, step.rest);
        else if (zeroCopy) spliceRest(chunk.length);
        return;
      }
      const take = Math.min(remaining, chunk.length);
      remaining -= take;
      if (take > 0 && !onChunk(chunk.subarray(0, take)))
        return complete({ status: 413, message: tooLarge(limit) }, Buffer.alloc(0));
      if (remaining === 0) complete(null, chunk.subarray(take));
      else if (zeroCopy) spliceRest(chunk.length);
    };
    // The rest of a large body goes zero-copy, its framing read here through the same grammar.
    let spliceTried = false;
    const spliceRest = (readBytes: number): void => {
      if (spliceTried || this.bodySplice || done || !zeroCopy || !this.reads.reusable || !spliceAvailable())
        return;
      const large = decoder
        ? readBytes >= ZERO_COPY_MIN_BYTES || decoder.scanner.dataLeft >= ZERO_COPY_MIN_BYTES
        : remaining >= ZERO_COPY_MIN_BYTES;
      const to = large ? zeroCopy.exchange.zeroCopyTarget() : null;
      if (!to) return;
      spliceTried = true;
      let error: BodyError | null = null;
      const transfer = spliceTransfer(this.socket, to, {
        first: () => {
          if (done) return null;
          // Pieces JS gathered this turn go out before the kernel's bytes (the relay waits for them).
          zeroCopy.flush();
          if (!decoder) return remaining > 0 ? { move: remaining, last: true } : null;
          return decoder.scanner.dataLeft > 0 ? chunkPlan(0) : { move: 0, last: false };
        },
        next: (waiting, chunkEnded) => {
          const scanner = (decoder as ChunkedDecoder).scanner;
          // The relay went on over canonical chunks by itself (chunkPlan's `chunks`) and moved the
          // CRLF after the last one's data: the scanner, at that data's end, reads it too.
          if (chunkEnded) {
            if (scanner.scan(CRLF).kind !== 'more') {
              error = { status: 400, message: 'the splice relay lost its place in a chunked body' };
              return null;
            }
            openChunk = false;
          }
          const scan = scanner.scanFraming(waiting);
          if (scan.kind === 'error') {
            error = { status: 400, message: scan.message };
            return null;
          }
          // Framing not all arrived yet (Node's http client sends a chunk's CRLF before the next size
          // line): what came is read, and the relay waits for the rest. Handing back here sent the
          // rest of a 1 GB upload through JS.
          if (scan.kind === 'more') return { skip: scan.consumed, move: 0, last: false };
          if (scan.kind === 'data') {
            if (scanner.dataLeft >= FOLLOWED_CHUNK_MIN_BYTES) return chunkPlan(scan.consumed);
            // A small chunk goes back to JS, which relays runs of them better, many per read: its
            // framing is read (JS goes on with its data), and the chunk the relay framed is ended.
            handingBack = true;
            return endPlan(scan.consumed);
          }
          // The last chunk and trailers are dropped; endBody() sends the proxy's own last chunk.
          return endPlan(scan.consumed);
        },
        outcome: (result) => bodySpliced(result, error),
      });
      this.bodySplice = transfer?.running ? transfer : null;
    };
    // Each chunk the client sent is re-framed as the proxy frames it: its size line, its data, CRLF
    // (sent with the next plan's framing, as the relay emits before it moves).
    let openChunk = false;
    let handingBack = false;
    const chunkPlan = (skip: number): SplicePlan => {
      const scanner = (decoder as ChunkedDecoder).scanner;
      const size = scanner.dataLeft;
      scanner.skipData();
      const line = `${openChunk ? '\r\n' : ''}${size.toString(16)}\r\n`;
      openChunk = true;
      // The chunks after it go on in the kernel while the client frames them as the proxy would
      // (canonical: the relay checks each size line), with no plan per chunk.
      return { skip, emit: Buffer.from(line, 'latin1'), move: size, last: false, chunks: true };
    };
    // The relay's last plan: the framing read is dropped, and the chunk it framed is ended.
    const endPlan = (skip: number): SplicePlan => {
      const plan = { skip, ...(openChunk ? { emit: CRLF } : {}), move: 0, last: true };
      openChunk = false;
      return plan;
    };
    const bodySpliced = (result: SpliceOutcome, error: BodyError | null): void => {
      this.bodySplice = null;
      switch (result.kind) {
        case 'done':
          if (handingBack) {
            // The body goes on in JS, from the byte the relay stopped at.
            handingBack = false;
            if (!this.closed) this.socket.resume();
            return;
          }
          remaining = 0;
          complete(null, Buffer.alloc(0));
          // The next request is read from the first byte after the body.
          if (!this.closed) this.socket.resume();
          return;
        case 'declined':
          if (error) complete(error, Buffer.alloc(0));
          else if (!this.closed) this.socket.resume();
          return;
        // The client's end is read again by Node ('end': the body was cut), a failed socket was
        // destroyed, a closed one closes the connection: as in JS.
        case 'ended':
        case 'failed':
        case 'closed':
          return;
      }
    };
    this.sink = sink;
    const cut = (): void =>
      complete({ status: 400, message: 'connection closed before the body ended' }, Buffer.alloc(0));
    this.bodyCut = cut;
    const buffered = this.join();
    this.keep(Buffer.alloc(0));
    if (buffered.length > 0) sink(buffered);
    else if (zeroCopy) spliceRest(0);
    if (done) return undefined;
    const abort = (error: BodyError): void => complete(error, Buffer.alloc(0));
    if (this.clientEnded) cut();
    // Pipelined bytes may have paused the socket while the gate decided: the body must flow now
    // (unless the kernel relays it).
    else if (!this.bodySplice) this.socket.resume();
    return abort;
  }

  /**
   * Writes the engine's response to the client. Bodies pass as the engine framed them when the client
   * speaks HTTP/1.1; an HTTP/1.0 client gets them de-chunked, delimited by closing the connection.
   */
  private responseSink(
    head: RequestHead,
    request: ExchangeRequest,
    bodyFinished: () => boolean,
    onResponse?: (status: number, body: Buffer) => void,
  ): ExchangeSink {
    let status = 502;
    let keepAlive = head.keepAlive;
    let mode: 'raw' | 'frame' | 'dechunk' = 'raw';
    let decoder: ChunkedDecoder | null = null;
    let engineChunked = false;
    const seen: Buffer[] = [];
    let seenBytes = 0;
    // Body bytes join the head's batch when they come in the same turn; later ones (a stream's) are
    // written at once: each read is already one large piece. A full client pauses the exchange that
    // was paused, and resumes that one (see EngineExchange.resume).
    let pausedExchange: EngineExchange | null = null;
    const write = backpressured(
      this.socket,
      () => {
        pausedExchange = this.exchange;
        pausedExchange?.pause();
      },
      () => pausedExchange?.resume(),
    );
    return {
      head: (response) => {
        status = response.status;
        const lines = [`HTTP/1.1 ${response.status} ${response.reason}`];
        let length: string | null = null;
        for (const [name, value] of response.headers) {
          const lower = name.toLowerCase();
          if (lower === 'content-length') length = value;
          if (!HOP_BY_HOP.has(lower)) lines.push(`${name}: ${value}`);
        }
        const framing = response.framing.kind;
        engineChunked = framing === 'chunked';
        if (framing === 'length' || (framing === 'none' && length !== null)) {
          lines.push(`Content-Length: ${length}`);
        } else if (framing !== 'none') {
          if (head.httpVersion === '1.1') {
            lines.push('Transfer-Encoding: chunked');
            mode = framing === 'chunked' ? 'raw' : 'frame';
          } else {
            keepAlive = false;
            if (framing === 'chunked') {
              mode = 'dechunk';
              decoder = new ChunkedDecoder();
            }
          }
        }
        // The engine answered before the client's body was all read: the rest of it cannot be told from
        // a next request, so this connection ends with this response.
        if (!bodyFinished()) keepAlive = false;
        // A body that runs to the engine's close may pass unread (bulk-download.ts): where it ends is
        // then known by the close alone, so this connection ends with it too.
        if (runsToClose(request, response)) keepAlive = false;
        if (!keepAlive) lines.push('Connection: close');
        // Head and the first body bytes usually arrive together: one write, one wake-up for the client.
        // latin1 both ways: header bytes pass as the engine sent them, whatever they are.
        this.writeBatched(Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'));
      },
      body: (raw) => {
        if (onResponse && seenBytes < MAX_SEEN_RESPONSE_BYTES) {
          seen.push(Buffer.from(raw));
          seenBytes += raw.length;
        }
        const exchange = this.exchange;
        if (mode === 'raw' && exchange) write(raw, exchange.hold());
        else if (mode === 'frame' && exchange) {
          this.writeBatched(`${raw.length.toString(16)}\r\n`);
          this.writeBatched(raw, exchange.hold());
          write(CRLF);
        } else {
          // The data are views of what the decoder is given, written later: it gets a copy of the read.
          const step = (decoder as ChunkedDecoder).push(Buffer.from(raw));
          if (step.kind === 'data') for (const data of step.data) write(data);
        }
      },
      // The engine's bytes as they came, to an HTTP/1.1 client, when no copy of them is kept.
      zeroCopyTarget: () => (mode === 'raw' && !onResponse && !this.closed ? this.socket : null),
      end: () => {
        if (mode === 'frame') this.writeBatched(LAST_CHUNK);
        this.exchange = null;
        if (onResponse) {
          const raw = Buffer.concat(seen, seenBytes);
          onResponse(status, engineChunked ? dechunk(raw) : raw);
        }
        // keepAlive already went false at the head if the client's body was not all read then.
        this.finish(keepAlive);
      },
      upgraded: (response, upstream, rest) => {
        this.exchange = null;
        this.hijacked = true;
        this.busy = false;
        this.sink = null;
        let answer: string;
        if (head.upgrade !== null) {
          const lines = [`HTTP/1.1 101 ${response.reason || 'UPGRADED'}`];
          for (const [name, value] of response.headers) lines.push(`${name}: ${value}`);
          answer = `${lines.join('\r\n')}\r\n\r\n`;
        } else {
          // The client used the older form: answer as the engine does for it.
          const type =
            response.headers.find(([name]) => name.toLowerCase() === 'content-type')?.[1] ??
            'application/vnd.docker.raw-stream';
          answer = `HTTP/1.1 200 OK\r\nContent-Type: ${type}\r\n\r\n`;
        }
        this.socket.write(answer, 'latin1');
        if (rest.length > 0) this.socket.write(rest);
        const pipelined = this.join();
        if (pipelined.length > 0) upstream.socket.write(pipelined);
        this.keep(Buffer.alloc(0));
        this.onData = spliceHijacked(this.socket, this.reads, upstream, this.clientEnded);
      },
      failed: (error, responded) => {
        this.exchange = null;
        if (responded || this.closed) {
          // The engine went away mid-body: cut the client off so it sees a truncated stream, not a whole one.
          this.destroy();
          return;
        }
        onResponse?.(502, Buffer.alloc(0));
        const message = this.options.upstream.unreachableMessage(error);
        this.socket.write(
          engineErrorResponse(502, message, { head: head.method === 'HEAD', close: !bodyFinished() }),
        );
        this.finish(head.keepAlive && bodyFinished());
      },
    };
  }
}

/** 1048576 → "1 MiB", 65536 → "64 KiB", 1000 → "1000 bytes". */
export function sizeWords(bytes: number): string {
  if (bytes % (1 << 20) === 0) return `${bytes >> 20} MiB`;
  if (bytes % (1 << 10) === 0) return `${bytes >> 10} KiB`;
  return `${bytes} bytes`;
}

const tooLarge = (limit: number): string =>
  `request body larger than ${sizeWords(limit)}, the most Socket Warden reads to judge a request`;

/** "container \"ci\"" or "the host's clients on this socket", for messages about a client's limits. */
export function clientWords(requester: Requester): string {
  return requester.kind === 'host'
    ? "this socket's clients"
    : `container ${JSON.stringify(requester.name || requester.id.slice(0, 12))}`;
}

/** The request head the engine gets: the client's fields minus hop-by-hop ones, framed by the proxy. */
function requestHeadText(
  head: RequestHead,
  target: string,
  body: Buffer | null,
  hijack: boolean,
  closeAfter: boolean,
): string {
  const named = new Set(head.connection);
  let text = `${head.method} ${target} HTTP/1.1\r\n`;
  let host = false;
  for (const [name, value] of head.headers) {
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || named.has(lower)) continue;
    if (lower === 'host') host = true;
    text += `${name}: ${value}\r\n`;
  }
  // The engine answers an HTTP/1.1 request without Host with 400; an HTTP/1.0 client may omit it.
  if (!host) text += 'Host: docker\r\n';
  if (body) text += `Content-Length: ${body.length}\r\n`;
  else if (head.body.kind === 'length') text += `Content-Length: ${head.body.length}\r\n`;
  else if (head.body.kind === 'chunked') text += 'Transfer-Encoding: chunked\r\n';
  if (hijack) text += `Connection: Upgrade\r\nUpgrade: ${head.upgrade ?? 'tcp'}\r\n`;
  else if (closeAfter) text += 'Connection: close\r\n';
  return `${text}\r\n`;
}

/** The data of a complete chunked body (a small create answer kept for the gate). */
function dechunk(raw: Buffer): Buffer {
  const step = new ChunkedDecoder().push(raw);
  return step.kind === 'data' ? Buffer.concat(step.data) : Buffer.alloc(0);
}

/**
 * Raw bytes both ways after a hijack; each direction's end is passed on alone (half-close). Returns
 * where the client's bytes go from now on.
 */
function spliceHijacked(
  client: net.Socket,
  clientReads: ClientReads,
  upstream: EngineLink,
  clientAlreadyEnded: boolean,
): (chunk: Buffer) => void {
  const engine = upstream.socket;
  if (clientAlreadyEnded) engine.end();
  else client.once('end', () => engine.end());
  upstream.handler = {
    onData: relay(client, engine, () => upstream.hold()),
    onEnd: () => {
      if (!client.writableEnded) client.end();
    },
    onClose: () => {
      if (!client.writableEnded) client.end();
    },
  };
  const destroyBoth = (): void => {
    client.destroy();
    engine.destroy();
  };
  client.on('error', destroyBoth);
  client.on('close', () => engine.destroy());
  client.resume();
  // Each direction goes zero-copy from here, to its end (handed back to Node, which passes it on).
  // The client's reads must stop at once when paused to be relayed by the kernel (client-reads.ts).
  const toEnd = (from: net.Socket): SplicePlanner => ({
    first: () => ({ move: 'all', last: true }),
    outcome: (result) => {
      // Declined (no relay could be opened): the JS relay goes on.
      if (result.kind === 'declined' && !from.destroyed) from.resume();
    },
  });
  if (!clientAlreadyEnded && clientReads.reusable) spliceTransfer(client, engine, toEnd(client));
  spliceTransfer(engine, client, toEnd(engine));
  return relay(engine, client, () => clientReads.hold());
}

/** Writes what `from` reads into `to`, pausing `from` while `to` is full. */
function relay(to: net.Socket, from: net.Socket, hold: () => () => void): (chunk: Buffer) => void {
  const write = backpressured(
    to,
    () => from.pause(),
    () => from.resume(),
  );
  return (chunk) => write(chunk, hold());
}

/**
 * Writes into `to`; when it is full, `pause` stops the source until `to` drains and `resume` runs.
 * `written` runs once the bytes have left (the read buffer they sit in may then be reused).
 */
function backpressured(
  to: net.Socket,
  pause: () => void,
  resume: () => void,
): (data: Buffer | string, written?: () => void) => void {
  let paused = false;
  return (data, written) => {
    if (to.write(data, written) || paused) return;
    paused = true;
    pause();
    to.once('drain', () => {
      paused = false;
      resume();
    });
  };
}
