// One client connection: parse a request, let the gate judge it, forward the canonical request to the
// engine, relay the response, repeat (keep-alive, pipelining in order). After a hijack (attach, exec,
// BuildKit session) bytes flow raw both ways, with half-close preserved.
import type net from 'node:net';
import { ChunkedDecoder } from './chunked-decoder.js';
import { readClient, type ClientReads } from './client-reads.js';
import { EngineExchange, type ExchangeSink } from './engine-exchange.js';
import { MESSAGE_PREFIX, engineErrorResponse } from './engine-error.js';
import type { Requester, RequestGate } from './request-gate.js';
import { HOP_BY_HOP, parseRequestHead, type RequestHead } from './request-head.js';
import type { EngineLink, Upstream } from './upstream.js';

/** Bodies the gate reads whole (container create): far above any real create request. */
export const MAX_JUDGED_BODY_BYTES = 8 << 20;
/** Pipelined bytes held while a request is in flight before the socket is paused. */
const MAX_BUFFERED_BYTES = 1 << 20;
const CRLF = Buffer.from('\r\n');
const LAST_CHUNK = Buffer.from('0\r\n\r\n');

// The engine hijacks these even without an Upgrade header (the older "200 raw-stream" form).
const LEGACY_HIJACK = /^(?:\/v[0-9.]+)?\/(?:containers\/[^/?]+\/attach|exec\/[^/?]+\/start)(?:\?|$)/;

export interface ConnectionOptions {
  upstream: Upstream;
  gate: RequestGate;
  requester: Requester;
  onError?: (error: Error) => void;
}

type BodySink = (chunk: Buffer) => void;

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
  /** Where the client's bytes go: requests, nowhere (after a refusal), or the engine (after a hijack). */
  private onData: (chunk: Buffer) => void = (chunk) => this.receive(chunk);
  private readonly reads: ClientReads;

  constructor(
    private readonly socket: net.Socket,
    private readonly options: ConnectionOptions,
  ) {
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
      this.exchange?.abort();
    });
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
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    if (this.sink) {
      this.sink(chunk);
      return;
    }
    this.buffer = this.buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buffer, chunk]);
    if (this.busy) {
      if (this.buffer.length > MAX_BUFFERED_BYTES) this.socket.pause();
      return;
    }
    this.next();
  }

  /** Parses and serves the next request in the buffer, if a whole head is there. */
  private next(): void {
    if (this.closed || this.busy || this.hijacked) return;
    if (this.buffer.length === 0) {
      if (this.clientEnded) this.socket.end();
      return;
    }
    const parsed = parseRequestHead(this.buffer);
    if (parsed.kind === 'incomplete') {
      if (this.clientEnded) this.socket.end();
      return;
    }
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
    this.buffer = this.buffer.subarray(parsed.consumed);
    this.busy = true;
    this.socket.resume();
    this.serve(parsed.head).catch((error: unknown) => {
      this.options.onError?.(error instanceof Error ? error : new Error(String(error)));
      if (!this.closed) this.refuse(500, `${MESSAGE_PREFIX}internal error while handling the request`, false);
    });
  }

  /** Answers with an engine-style error and closes: the rest of the stream cannot be trusted. */
  private refuse(status: number, message: string, head: boolean): void {
    this.busy = true;
    this.socket.end(engineErrorResponse(status, message, { head, close: true }));
    this.sink = null;
    this.onData = () => undefined;
  }

  private finish(keepAlive: boolean): void {
    if (this.closed) return;
    if (!keepAlive) {
      this.socket.end();
      this.closed = true;
      return;
    }
    this.busy = false;
    this.socket.resume();
    // Let the write drain before parsing pipelined requests: keeps responses ordered and bounded.
    setImmediate(() => this.next());
  }

  private async serve(head: RequestHead): Promise<void> {
    const { gate, requester } = this.options;
    const isHead = head.method === 'HEAD';
    let body: Buffer | null = null;
    let bodyRead = head.body.kind === 'none';
    if (head.body.kind !== 'none' && gate.needsBody(head, requester)) {
      this.answerExpectContinue(head);
      const collected = await this.collectBody(head, MAX_JUDGED_BODY_BYTES);
      if (collected.kind === 'error') {
        this.refuse(collected.status, `${MESSAGE_PREFIX}${collected.message}`, isHead);
        return;
      }
      body = collected.body;
      bodyRead = true;
    }
    const verdict = await gate.decide(
      head,
      body ?? (head.body.kind === 'none' ? Buffer.alloc(0) : null),
      requester,
    );
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
    const exchange = new EngineExchange(
      this.options.upstream,
      {
        method: head.method,
        head: requestHeadText(head, target, forwardedBody, hijack),
        chunkedBody,
        hijack,
      },
      this.responseSink(head, hijack ? () => true : () => bodyRead, verdict.onResponse),
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

  /** The proxy reads the body, so it answers `Expect: 100-continue` itself (the engine never sees it). */
  private answerExpectContinue(head: RequestHead): void {
    // An HTTP/1.0 client gets no interim answer (RFC 9110 §15.2).
    if (head.expectContinue && head.httpVersion === '1.1') this.socket.write('HTTP/1.1 100 Continue\r\n\r\n');
  }

  /** Reads the whole body into memory (bounded), for the gate to judge. */
  private collectBody(
    head: RequestHead,
    limit: number,
  ): Promise<{ kind: 'body'; body: Buffer } | { kind: 'error'; status: number; message: string }> {
    return new Promise((resolve) => {
      const parts: Buffer[] = [];
      let size = 0;
      this.readBody(
        head,
        (chunk) => {
          size += chunk.length;
          if (size > limit) return false;
          parts.push(Buffer.from(chunk));
          return true;
        },
        (error) => {
          if (error) resolve({ kind: 'error', status: error.status, message: error.message });
          else resolve({ kind: 'body', body: Buffer.concat(parts, size) });
        },
        limit,
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
        exchange.onDrain(() => this.socket.resume());
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
    );
  }

  /**
   * Delivers the body's bytes (de-chunked) to `onChunk`, first from the buffer, then from the socket.
   * Bytes after the body stay in the buffer for the next request.
   */
  private readBody(
    head: RequestHead,
    onChunk: (chunk: Buffer) => boolean,
    onEnd: (error: { status: number; message: string } | null) => void,
    limit = Infinity,
  ): void {
    const framing = head.body;
    if (framing.kind === 'none') {
      onEnd(null);
      return;
    }
    if (framing.kind === 'length' && framing.length > limit) {
      onEnd({ status: 413, message: `request body larger than ${limit} bytes` });
      return;
    }
    let done = false;
    const complete = (error: { status: number; message: string } | null, rest: Buffer): void => {
      done = true;
      this.sink = null;
      this.bodyCut = null;
      this.buffer = Buffer.from(rest);
      onEnd(error);
    };
    let remaining = framing.kind === 'length' ? framing.length : 0;
    const decoder = framing.kind === 'chunked' ? new ChunkedDecoder() : null;
    const sink: BodySink = (chunk) => {
      if (done) {
        this.buffer = Buffer.concat([this.buffer, chunk]);
        return;
      }
      if (decoder) {
        const step = decoder.push(chunk);
        if (step.kind === 'error') return complete({ status: 400, message: step.message }, Buffer.alloc(0));
        for (const data of step.data) {
          if (data.length > 0 && !onChunk(data)) {
            return complete(
              { status: 413, message: `request body larger than ${limit} bytes` },
              Buffer.alloc(0),
            );
          }
        }
        if (step.done) complete(null, step.rest);
        return;
      }
      const take = Math.min(remaining, chunk.length);
      remaining -= take;
      if (take > 0 && !onChunk(chunk.subarray(0, take))) {
        return complete({ status: 413, message: `request body larger than ${limit} bytes` }, Buffer.alloc(0));
      }
      if (remaining === 0) complete(null, chunk.subarray(take));
    };
    this.sink = sink;
    const cut = (): void =>
      complete({ status: 400, message: 'connection closed before the body ended' }, Buffer.alloc(0));
    this.bodyCut = cut;
    const buffered = this.buffer;
    this.buffer = Buffer.alloc(0);
    if (buffered.length > 0) sink(buffered);
    if (done) return;
    if (this.clientEnded) cut();
    // Pipelined bytes may have paused the socket while the gate decided: the body must flow now.
    else this.socket.resume();
  }

  /**
   * Writes the engine's response to the client. Bodies pass as the engine framed them when the client
   * speaks HTTP/1.1; an HTTP/1.0 client gets them de-chunked, delimited by closing the connection.
   */
  private responseSink(
    head: RequestHead,
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
        if (!keepAlive) lines.push('Connection: close');
        // Head and the first body bytes usually arrive together: one write, one wake-up for the client.
        // latin1 both ways: header bytes pass as the engine sent them, whatever they are.
        this.writeBatched(Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'));
      },
      body: (raw) => {
        if (onResponse && seenBytes < MAX_JUDGED_BODY_BYTES) {
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
        if (this.buffer.length > 0) upstream.socket.write(this.buffer);
        this.buffer = Buffer.alloc(0);
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

/** The request head the engine gets: the client's fields minus hop-by-hop ones, framed by the proxy. */
function requestHeadText(head: RequestHead, target: string, body: Buffer | null, hijack: boolean): string {
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
