// Minimal HTTP over a unix socket for the bench: the same node:http client on both sides, so only the
// path (engine directly or through Socket Warden) differs.
import http from 'node:http';

export interface Exchange {
  status: number;
  /** Body bytes received (read and discarded). */
  bytes: number;
}

/** A keep-alive agent holding at most `connections` connections to one socket. */
export function keepAliveAgent(connections: number): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
}

/** Sends a request without a body and discards the response body. */
export function exchange(
  socketPath: string,
  agent: http.Agent | false,
  method: string,
  path: string,
): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const request = http.request({ socketPath, agent, method, path }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
      res.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
}

/** Like `exchange`, and parses a JSON answer (create, inspect); `agent` to reuse a connection. */
export function exchangeJson(
  socketPath: string,
  method: string,
  path: string,
  body?: unknown,
  agent: http.Agent | false = false,
): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = payload
      ? { 'Content-Type': 'application/json', 'Content-Length': String(payload.length) }
      : {};
    const request = http.request({ socketPath, agent, method, path, headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (chunk: Buffer) => parts.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        let json: unknown = text;
        try {
          json = text ? (JSON.parse(text) as unknown) : null;
        } catch {
          // Not JSON (an engine error in plain text): hand back the text.
        }
        resolve({ status: res.statusCode ?? 0, json });
      });
      res.on('error', reject);
    });
    request.on('error', reject);
    request.end(payload);
  });
}
