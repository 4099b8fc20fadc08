// The second transport of the IPC contract, for `socket-warden serve --ui`: the same React build the
// Electron window loads, served on loopback, with the contract as `POST /api/call/<request>` and the
// pushed events as a server-sent event stream at `GET /api/events`.
//
// Who may call: only a page that knows the random token (checked on every API
// call and on the event stream), and only under the Host names we bound, so a web page elsewhere
// cannot reach us through DNS rebinding. The token is never logged: `serve` writes the URL with it to a
// 0600 file in the runtime directory (serve-command.ts), which `socket-warden status` reads.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, realpath } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import type { ContractEventEmitter, ContractHandlers } from '../../../shared/ipc-contract.js';
import { failure, readJsonBody, sendJson } from './contract-http.js';
import { createDispatcher } from './dispatcher.js';

export interface UiServerOptions {
  handlers: ContractHandlers;
  events: ContractEventEmitter;
  /** Loopback address to bind; default 127.0.0.1. */
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** The built renderer (dist/renderer). */
  staticDir: string;
  /** Fixed token for tests; default 32 random bytes. */
  token?: string;
  onInternalError?: (request: string, error: unknown) => void;
}

export interface UiServer {
  /** The address to open, with `?token=`. */
  url: string;
  token: string;
  close(): Promise<void>;
}

const heartbeatMs = 15_000;

/** Served with every page: scripts and styles only from us, no frames, no forms, no plugins. */
export const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? randomBytes(32).toString('base64url');
  const dispatcher = createDispatcher(options.handlers, { onInternalError: options.onInternalError });
  const staticRoot = await realpath(resolve(options.staticDir)).catch(() => resolve(options.staticDir));
  const streams = new Set<ServerResponse>();
  let allowedHosts = new Set<string>();

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      options.onInternalError?.('http', error);
      if (!response.headersSent) sendJson(response, 500, failure('internal', 'request failed'));
      else response.destroy();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    response.setHeader('X-Content-Type-Options', 'nosniff');
    // The token rides in the page's URL: never let it leak to another site in a Referer.
    response.setHeader('Referrer-Policy', 'no-referrer');
    if (!allowedHosts.has((request.headers.host ?? '').toLowerCase())) {
      sendJson(response, 421, failure('unavailable', 'unexpected Host header'));
      return;
    }
    const url = new URL(request.url ?? '/', `http://${request.headers.host}`);
    if (url.pathname.startsWith('/api/')) {
      response.setHeader('Cache-Control', 'no-store');
      if (!hasToken(request, url, token)) {
        sendJson(
          response,
          401,
          failure(
            'unavailable',
            'missing or wrong token: open the address in the ui-url file socket-warden serve named',
          ),
        );
        return;
      }
      if (url.pathname === '/api/events' && request.method === 'GET') {
        openEventStream(request, response);
        return;
      }
      const call = /^\/api\/call\/([A-Za-z]+)$/.exec(url.pathname);
      if (call?.[1] && request.method === 'POST') {
        if (!isSameOrigin(request)) {
          sendJson(response, 403, failure('unavailable', 'cross-origin call refused'));
          return;
        }
        const body = await readJsonBody(request);
        if (!body.ok) {
          sendJson(response, 400, failure('invalid-input', body.message));
          return;
        }
        const input =
          typeof body.value === 'object' && body.value !== null
            ? (body.value as { input?: unknown }).input
            : undefined;
        sendJson(response, 200, await dispatcher.dispatch(call[1], input));
        return;
      }
      sendJson(response, 404, failure('not-found', 'no such endpoint'));
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      sendJson(response, 405, failure('not-found', 'method not allowed'));
      return;
    }
    await serveStatic(url.pathname, request, response);
  }

  function isSameOrigin(request: IncomingMessage): boolean {
    const origin = request.headers.origin;
    // Non-browser clients send no Origin; a browser always does on POST, and it must be ours.
    if (origin === undefined) return true;
    try {
      return allowedHosts.has(new URL(origin).host.toLowerCase());
    } catch {
      return false;
    }
  }

  function openEventStream(request: IncomingMessage, response: ServerResponse): void {
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
    });
    response.write('retry: 2000\n\n');
    streams.add(response);
    const unsubscribe = options.events.subscribe((event, payload) => {
      response.write(`event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`);
    });
    const heartbeat = setInterval(() => response.write(': keep-alive\n\n'), heartbeatMs);
    heartbeat.unref();
    const stop = () => {
      clearInterval(heartbeat);
      unsubscribe();
      streams.delete(response);
    };
    request.on('close', stop);
    response.on('error', stop);
  }

  async function serveStatic(
    pathname: string,
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      sendJson(response, 400, failure('invalid-input', 'bad path'));
      return;
    }
    const relative = decoded === '/' ? 'index.html' : decoded.replace(/^\/+/, '');
    const file = resolve(join(staticRoot, relative));
    if (file !== staticRoot && !file.startsWith(staticRoot + sep)) {
      sendJson(response, 404, failure('not-found', 'not found'));
      return;
    }
    let content: Buffer;
    try {
      content = await readFile(file);
    } catch {
      const missingBuild = relative === 'index.html';
      sendJson(
        response,
        404,
        failure(
          'not-found',
          missingBuild
            ? `the settings pane is not built (${staticRoot}): run \`npm run build\``
            : 'not found',
        ),
      );
      return;
    }
    const type = contentTypes[extname(file)] ?? 'application/octet-stream';
    const headers: Record<string, string | number> = {
      'Content-Type': type,
      'Content-Length': content.length,
    };
    if (type.startsWith('text/html')) {
      headers['Content-Security-Policy'] = contentSecurityPolicy;
      headers['Cache-Control'] = 'no-store';
    }
    response.writeHead(200, headers);
    response.end(request.method === 'HEAD' ? undefined : content);
  }

  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', rejectListen);
      resolveListen();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const bracketed = host.includes(':') ? `[${host}]` : host;
  allowedHosts = new Set([`${bracketed}:${port}`, `localhost:${port}`].map((name) => name.toLowerCase()));

  return {
    url: `http://${bracketed}:${port}/?token=${token}`,
    token,
    async close() {
      for (const stream of streams) stream.end();
      streams.clear();
      await new Promise<void>((resolveClose) => {
        server.close(() => resolveClose());
        server.closeIdleConnections();
      });
    },
  };
}

function hasToken(request: IncomingMessage, url: URL, token: string): boolean {
  const header = request.headers.authorization;
  const offered = header?.startsWith('Bearer ')
    ? header.slice('Bearer '.length)
    : url.searchParams.get('token');
  if (!offered) return false;
  const a = Buffer.from(offered);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
