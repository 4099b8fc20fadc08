// The client side of the contract's HTTP framing (`POST /api/call/<request>`, server-sent events at
// `GET /api/events`), from Node: over the managed daemon's unix sockets (unix-transport.ts), or over
// TCP to `serve --ui` with its token. Wrapped by createContractClient, every answer and event is
// checked against the contract as in the other transports.
import { request as httpRequest, type ClientRequest, type RequestOptions } from 'node:http';
import type { ContractBridge } from '../../../shared/ipc-contract.js';

export type HttpBridgeTarget =
  { socketPath: string } | { host: string; port: number; /** `serve --ui`'s token. */ token?: string };

export interface HttpBridgeOptions {
  /** A call that takes longer fails (a re-pull can take minutes). Default 10 minutes. */
  timeoutMs?: number;
  /** Before the event stream is opened again after it ended. Default 2 s (the server's `retry`). */
  reconnectMs?: number;
  /** Told when the event stream breaks (it is reopened). */
  onStreamError?: (error: Error) => void;
}

export function createHttpBridge(target: HttpBridgeTarget, options: HttpBridgeOptions = {}): ContractBridge {
  const base = (): RequestOptions => {
    if ('socketPath' in target) return { socketPath: target.socketPath, headers: { Host: 'socket-warden' } };
    const headers: Record<string, string> = { Host: `${target.host}:${target.port}` };
    if (target.token) headers.Authorization = `Bearer ${target.token}`;
    return { host: target.host, port: target.port, headers };
  };
  const timeoutMs = options.timeoutMs ?? 10 * 60_000;
  const reconnectMs = options.reconnectMs ?? 2000;

  return {
    invoke(name, input) {
      const body = JSON.stringify(input === undefined ? {} : { input });
      return new Promise<unknown>((resolve, reject) => {
        const request = httpRequest(
          {
            ...base(),
            method: 'POST',
            path: `/api/call/${encodeURIComponent(name)}`,
            headers: {
              ...base().headers,
              'Content-Type': 'application/json',
              'Content-Length': Buffer.byteLength(body),
            },
          },
          (response) => {
            let text = '';
            response.setEncoding('utf8');
            response.on('data', (chunk: string) => (text += chunk));
            response.on('end', () => {
              try {
                resolve(JSON.parse(text) as unknown);
              } catch {
                reject(new Error(`answer to ${name} is not JSON (HTTP ${response.statusCode})`));
              }
            });
            response.on('error', reject);
          },
        );
        request.setTimeout(timeoutMs, () => request.destroy(new Error(`${name} timed out`)));
        request.on('error', reject);
        request.end(body);
      });
    },
    subscribe(listener) {
      let stopped = false;
      let current: ClientRequest | undefined;
      let timer: NodeJS.Timeout | undefined;
      const open = () => {
        if (stopped) return;
        const parser = new EventStreamParser(listener);
        const again = () => {
          if (stopped || timer) return;
          timer = setTimeout(() => {
            timer = undefined;
            open();
          }, reconnectMs);
        };
        current = httpRequest({ ...base(), method: 'GET', path: '/api/events' }, (response) => {
          if (response.statusCode !== 200) {
            response.resume();
            options.onStreamError?.(new Error(`event stream answered HTTP ${response.statusCode}`));
            again();
            return;
          }
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => parser.push(chunk));
          response.on('end', again);
          response.on('error', again);
        });
        current.on('error', (error) => {
          if (!stopped) options.onStreamError?.(error);
          again();
        });
        current.end();
      };
      open();
      return () => {
        stopped = true;
        if (timer) clearTimeout(timer);
        current?.destroy();
      };
    },
  };
}

/**
 * The server-sent events format, as far as our servers write it: `event:` and `data:` lines, a blank
 * line ends an event, `:` lines are comments, `retry:` is ignored. Data that is not JSON is dropped.
 */
export class EventStreamParser {
  private buffer = '';
  private event = 'message';
  private data: string[] = [];

  constructor(private readonly listener: (event: string, payload: unknown) => void) {}

  push(chunk: string): void {
    this.buffer += chunk;
    let newline: number;
    while ((newline = this.buffer.search(/\r\n|\n|\r/)) >= 0) {
      const line = this.buffer.slice(0, newline);
      const width = this.buffer.startsWith('\r\n', newline) ? 2 : 1;
      // A lone \r at the chunk's end may be the first half of \r\n: wait for the next chunk.
      if (width === 1 && this.buffer[newline] === '\r' && newline === this.buffer.length - 1) return;
      this.buffer = this.buffer.slice(newline + width);
      this.line(line);
    }
  }

  private line(line: string): void {
    if (line === '') {
      if (this.data.length > 0) {
        let payload: unknown;
        let parsed = true;
        try {
          payload = JSON.parse(this.data.join('\n'));
        } catch {
          parsed = false;
        }
        if (parsed) this.listener(this.event, payload);
      }
      this.event = 'message';
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
  }
}
