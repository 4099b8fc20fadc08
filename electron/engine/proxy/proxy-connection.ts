// One client connection: parse a request, let the gate judge it, forward the canonical request to the
// engine, relay the response, repeat (keep-alive, pipelining in order). After a hijack (attach, exec,
// BuildKit session) bytes flow raw both ways, with half-close preserved.
import type http from 'node:http';
import type net from 'node:net';
import { ChunkedDecoder } from './chunked-decoder.js';
import { MESSAGE_PREFIX, engineErrorResponse } from './engine-error.js';
import type { Requester, RequestGate } from './request-gate.js';
import { HOP_BY_HOP, parseRequestHead, type RequestHead } from './request-head.js';
import type { Upstream } from './upstream.js';

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
  private corked = false;
  /** The engine request being served; dropped when the client goes away so streams stop upstream too. */
  private inFlight: http.ClientRequest | null = null;
  private readonly onData = (chunk: Buffer): void => this.receive(chunk);

  constructor(
    private readonly socket: net.Socket,
    private readonly options: ConnectionOptions,
  ) {
    socket.setNoDelay(true);
    socket.on('data', this.onData);
    socket.on('end', () => {
      this.clientEnded = true;
      if (!this.busy && !this.hijacked) this.socket.end();
    });
    socket.on('error', () => this.destroy());
    socket.on('close', () => {
      this.closed = true;
      if (this.inFlight && !this.hijacked && !this.inFlight.destroyed) this.inFlight.destroy();
    });
  }

  /**
   * Writes through a cork that is lifted on the next tick, so everything produced in one turn of the
   * event loop (a response head and its body, several chunks) leaves in one writev.
   */
  private writeBatched(data: string | Buffer): boolean {
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    return this.socket.write(data);
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
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
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
    this.socket.removeListener('data', this.onData);
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
      if (head.expectContinue) this.socket.write('HTTP/1.1 100 Continue\r\n\r\n');
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
    const headers = this.forwardHeaders(head, forwardedBody, hijack);
    if (hijack) {
      this.forwardHijack(head, target, headers, forwardedBody);
      return;
    }
    const request = this.options.upstream.request(head.method, target, headers);
    this.relayResponse(head, request, () => bodyRead, verdict.onResponse);
    if (forwardedBody) {
      request.end(forwardedBody);
    } else if (head.body.kind === 'none') {
      request.end();
    } else {
      if (head.expectContinue) this.socket.write('HTTP/1.1 100 Continue\r\n\r\n');
      this.streamBody(head, request, () => {
        bodyRead = true;
      });
    }
  }

  private forwardHeaders(
    head: RequestHead,
    body: Buffer | null,
    hijack: boolean,
  ): Record<string, string | string[]> {
    const named = new Set<string>();
    for (const [name, value] of head.headers) {
      if (name.toLowerCase() === 'connection')
        value.split(',').forEach((n) => named.add(n.trim().toLowerCase()));
    }
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of head.headers) {
      const lower = name.toLowerCase();
      if (HOP_BY_HOP.has(lower) || named.has(lower)) continue;
      const existing = headers[name];
      headers[name] =
        existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
    }
    if (body) headers['Content-Length'] = String(body.length);
    else if (head.body.kind === 'length') headers['Content-Length'] = String(head.body.length);
    else if (head.body.kind === 'chunked') headers['Transfer-Encoding'] = 'chunked';
    if (hijack) {
      headers['Connection'] = 'Upgrade';
      headers['Upgrade'] = head.upgrade ?? 'tcp';
    }
    return headers;
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
          parts.push(chunk);
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
  private streamBody(head: RequestHead, request: http.ClientRequest, onDone: () => void): void {
    // De-chunked pieces of one read go to the engine as one write (one chunk), as in relayResponse.
    let gathered: Buffer[] = [];
    const flush = (): void => {
      if (gathered.length === 0 || request.destroyed) return;
      const data = gathered.length === 1 ? (gathered[0] as Buffer) : Buffer.concat(gathered);
      gathered = [];
      if (!request.write(data) && !this.socket.isPaused()) {
        this.socket.pause();
        request.once('drain', () => this.socket.resume());
      }
    };
    this.readBody(
      head,
      (chunk) => {
        if (gathered.length === 0) process.nextTick(flush);
        gathered.push(chunk);
        return true;
      },
      (error) => {
        if (error) {
          gathered = [];
          request.destroy();
          this.refuse(error.status, `${MESSAGE_PREFIX}malformed request body: ${error.message}`, false);
          return;
        }
        flush();
        onDone();
        request.end();
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
      this.buffer = rest;
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
    const buffered = this.buffer;
    this.buffer = Buffer.alloc(0);
    if (buffered.length > 0) sink(buffered);
    if (!done && this.clientEnded)
      complete({ status: 400, message: 'connection closed before the body ended' }, Buffer.alloc(0));
  }

  /** Relays the engine's response, re-framed for the client. */
  private relayResponse(
    head: RequestHead,
    request: http.ClientRequest,
    bodyFinished: () => boolean,
    onResponse?: (status: number, body: Buffer) => void,
  ): void {
    let responded = false;
    request.on('response', (res) => {
      responded = true;
      const status = res.statusCode ?? 502;
      const noBody =
        head.method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200);
      const lines = [`HTTP/1.1 ${status} ${res.statusMessage ?? ''}`];
      const raw = res.rawHeaders;
      for (let i = 0; i + 1 < raw.length; i += 2) {
        const name = raw[i] ?? '';
        if (HOP_BY_HOP.has(name.toLowerCase())) continue;
        lines.push(`${name}: ${raw[i + 1] ?? ''}`);
      }
      const length = res.headers['content-length'];
      const hasLength = length !== undefined && res.headers['transfer-encoding'] === undefined;
      let keepAlive = head.keepAlive;
      let chunked = false;
      if (hasLength) lines.push(`Content-Length: ${length}`);
      else if (!noBody) {
        if (head.httpVersion === '1.1') {
          chunked = true;
          lines.push('Transfer-Encoding: chunked');
        } else keepAlive = false;
      }
      const finalKeepAlive = (): boolean => keepAlive && bodyFinished();
      if (!keepAlive) lines.push('Connection: close');
      // Head and the first body bytes usually arrive together: one write, one wake-up for the client.
      this.writeBatched(`${lines.join('\r\n')}\r\n\r\n`);
      const seen: Buffer[] = [];
      let seenBytes = 0;
      // The engine's chunked writer emits ~4 KiB chunks: everything parsed from one read is gathered
      // and re-framed as one chunk, so a streamed GB costs thousands of writes rather than a million.
      let gathered: Buffer[] = [];
      let gatheredBytes = 0;
      const flush = (): void => {
        if (gatheredBytes === 0) return;
        let ok = true;
        if (chunked) this.writeBatched(`${gatheredBytes.toString(16)}\r\n`);
        for (const part of gathered) ok = this.writeBatched(part);
        if (chunked) ok = this.writeBatched(CRLF);
        gathered = [];
        gatheredBytes = 0;
        if (!ok && !res.isPaused()) {
          res.pause();
          this.socket.once('drain', () => res.resume());
        }
      };
      res.on('data', (chunk: Buffer) => {
        if (onResponse && seenBytes < MAX_JUDGED_BODY_BYTES) {
          seen.push(chunk);
          seenBytes += chunk.length;
        }
        if (gatheredBytes === 0) process.nextTick(flush);
        gathered.push(chunk);
        gatheredBytes += chunk.length;
      });
      res.on('end', () => {
        flush();
        if (chunked) this.writeBatched(LAST_CHUNK);
        onResponse?.(status, Buffer.concat(seen, seenBytes));
        this.finish(finalKeepAlive());
      });
      // The engine went away mid-body: cut the client off so it sees a truncated stream, not a whole one.
      res.on('aborted', () => this.destroy());
      res.on('error', () => this.destroy());
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (responded || this.closed) {
        this.destroy();
        return;
      }
      onResponse?.(502, Buffer.alloc(0));
      const message = this.options.upstream.unreachableMessage(error);
      this.socket.write(
        engineErrorResponse(502, message, { head: head.method === 'HEAD', close: !bodyFinished() }),
      );
      this.finish(head.keepAlive && bodyFinished());
    });
    this.inFlight = request;
  }

  /** Attach, exec and BuildKit's session: ask the engine to upgrade, then splice the two sockets. */
  private forwardHijack(
    head: RequestHead,
    target: string,
    headers: Record<string, string | string[]>,
    body: Buffer | null,
  ): void {
    const request = this.options.upstream.hijackRequest(head.method, target, headers);
    request.on('upgrade', (res, upstream: net.Socket, upstreamHead: Buffer) => {
      this.hijacked = true;
      this.busy = false;
      this.sink = null;
      this.socket.removeListener('data', this.onData);
      let response: string;
      if (head.upgrade !== null) {
        const lines = [`HTTP/1.1 101 ${res.statusMessage ?? 'UPGRADED'}`];
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2)
          lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
        response = `${lines.join('\r\n')}\r\n\r\n`;
      } else {
        // The client used the older form: answer as the engine does for it.
        const type = res.headers['content-type'] ?? 'application/vnd.docker.raw-stream';
        response = `HTTP/1.1 200 OK\r\nContent-Type: ${type}\r\n\r\n`;
      }
      this.socket.write(response);
      if (upstreamHead.length > 0) this.socket.write(upstreamHead);
      if (this.buffer.length > 0) upstream.write(this.buffer);
      this.buffer = Buffer.alloc(0);
      splice(this.socket, upstream, this.clientEnded);
    });
    // The engine did not upgrade (an error, a detached exec, an upgrade it ignores): after that answer
    // this agent-less connection is useless, and left open it would leak a descriptor per request.
    request.on('response', (res) => res.once('end', () => request.destroy()));
    this.relayResponse(head, request, () => true);
    if (body) request.end(body);
    else if (head.body.kind === 'none') request.end();
    else this.streamBody(head, request, () => undefined);
  }
}

/** Raw bytes both ways after a hijack; each direction's end is passed on alone (half-close). */
function splice(client: net.Socket, upstream: net.Socket, clientAlreadyEnded: boolean): void {
  client.pipe(upstream);
  upstream.pipe(client);
  if (clientAlreadyEnded) upstream.end();
  const destroyBoth = (): void => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', destroyBoth);
  upstream.on('error', destroyBoth);
  client.on('close', () => upstream.destroy());
  upstream.on('close', () => {
    if (!client.writableEnded) client.end();
  });
  client.resume();
}
