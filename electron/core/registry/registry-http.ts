// The registry client's HTTP: the small part of fetch it uses (a request, redirects followed, the
// body read whole), over node:http and node:https. Not the global fetch: its HTTP parser is a
// WebAssembly module that is compiled on the first connection, which at the daemon's first digest
// refresh cost ~30 MB of compiler memory (and the peak resident size) for a few HEAD requests.
import http from 'node:http';
// Its type only, erased from the output: the module itself is imported when first needed (below).
import type https from 'node:https';

/** What the registry client sends; a subset of fetch's RequestInit, so fetch itself also fits. */
export interface RegistryRequest {
  method: string;
  headers: Record<string, string>;
  body?: string;
  redirect?: 'follow';
  signal?: AbortSignal;
}

/** What the registry client reads of an answer; a subset of fetch's Response. */
export interface RegistryResponse {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  readonly body: { cancel(): Promise<void> } | null;
  json(): Promise<unknown>;
  arrayBuffer(): Promise<ArrayBuffer>;
}

export type RegistryFetch = (url: string, init: RegistryRequest) => Promise<RegistryResponse>;

/** fetch's limit. */
const MAX_REDIRECTS = 20;
/** dockerd refuses manifests larger than 4 MiB; token answers are far smaller. */
export const MAX_BODY_BYTES = 4 << 20;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Dropped when a redirect turns the request into a GET (fetch's request-body-header names). */
const BODY_HEADERS = ['content-encoding', 'content-language', 'content-location', 'content-type'];
/** Dropped when a redirect leaves the origin, as fetch does: credentials go only where they were meant. */
const ORIGIN_HEADERS = ['authorization', 'proxy-authorization', 'cookie'];

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The body was larger than MAX_BODY_BYTES; reading it fails. */
  tooLarge: boolean;
}

/**
 * Sends `init` to `url`, following redirects as fetch does, and reads the answer's body whole (bounded).
 * Network errors reject as fetch's do (`TypeError('fetch failed')` with the system error as `cause`);
 * an aborted signal rejects with the signal's reason.
 */
export async function registryHttp(url: string, init: RegistryRequest): Promise<RegistryResponse> {
  let target = new URL(url);
  let method = init.method.toUpperCase();
  let body = init.body;
  let headers = lowerCased(init.headers);
  for (let redirects = 0; ; redirects++) {
    // node:https (and tls) only once a registry is reached over https: ~1 MB a loopback-only setup never needs.
    const client = target.protocol === 'https:' ? (await import('node:https')).default : http;
    const answer = await send(client, target, method, headers, body, init.signal);
    const location = answer.headers.location;
    if (!REDIRECTS.has(answer.status) || location === undefined) return responseOf(answer);
    if (redirects >= MAX_REDIRECTS) throw failed(new Error('redirect count exceeded'));
    let next: URL;
    try {
      next = new URL(location, target);
    } catch (error) {
      throw failed(error);
    }
    if (next.protocol !== 'http:' && next.protocol !== 'https:')
      throw failed(new Error(`redirect to unsupported scheme ${next.protocol}`));
    if (
      (answer.status === 303 && method !== 'GET' && method !== 'HEAD') ||
      ((answer.status === 301 || answer.status === 302) && method === 'POST')
    ) {
      method = 'GET';
      body = undefined;
      headers = without(headers, BODY_HEADERS);
    }
    if (next.origin !== target.origin) headers = without(headers, ORIGIN_HEADERS);
    target = next;
  }
}

function send(
  client: typeof http | typeof https,
  target: URL,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  signal: AbortSignal | undefined,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const request = client.request(target, {
      method,
      headers:
        body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
    });
    let settled = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      outcome();
    };
    const onAbort = (): void => {
      request.destroy();
      settle(() => reject(signal?.reason as Error));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    request.on('error', (error) => settle(() => reject(failed(error))));
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let tooLarge = false;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          tooLarge = true;
          // Nothing more of it is read; the connection is not reused.
          response.destroy();
          settle(() =>
            resolve({
              status: response.statusCode ?? 0,
              headers: response.headers,
              body: Buffer.alloc(0),
              tooLarge,
            }),
          );
          return;
        }
        chunks.push(chunk);
      });
      response.on('error', (error) => settle(() => reject(failed(error))));
      response.on('close', () =>
        settle(() => reject(failed(new Error('connection closed before the answer ended')))),
      );
      response.on('end', () =>
        settle(() =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks),
            tooLarge,
          }),
        ),
      );
    });
    request.end(body);
  });
}

function responseOf(answer: Answer): RegistryResponse {
  const bytes = async (): Promise<Buffer> => {
    if (answer.tooLarge) throw new Error(`answer larger than ${MAX_BODY_BYTES} bytes`);
    return answer.body;
  };
  return {
    status: answer.status,
    headers: {
      get(name) {
        const value = answer.headers[name.toLowerCase()];
        if (value === undefined) return null;
        return Array.isArray(value) ? value.join(', ') : value;
      },
    },
    // Already read whole: there is nothing left to cancel.
    body: { cancel: async () => undefined },
    json: async () => JSON.parse((await bytes()).toString('utf8')) as unknown,
    arrayBuffer: async () => {
      const body = await bytes();
      return body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer;
    },
  };
}

function failed(cause: unknown): TypeError {
  return new TypeError('fetch failed', { cause });
}

function lowerCased(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

function without(headers: Record<string, string>, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !names.includes(name)));
}
