// The HTTP pieces both contract transports share (http-transport.ts over TCP for the pane,
// unix-transport.ts over the managed daemon's unix sockets): the error envelope, JSON answers, and a
// call's JSON body, bounded so a client cannot make the daemon hold an unbounded upload.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ContractErrorBody, Envelope } from '../../../shared/ipc-contract.js';

/** A contract call's body is a small JSON value; more than this is refused unread. */
const maxBodyBytes = 1024 * 1024;

export function failure(code: ContractErrorBody['code'], message: string): Envelope<never> {
  return { ok: false, error: { code, message } };
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  response.end(text);
}

export async function readJsonBody(
  request: IncomingMessage,
): Promise<{ ok: true; value: unknown } | { ok: false; message: string }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes) return { ok: false, message: 'request body too large' };
    chunks.push(chunk);
  }
  if (size === 0) return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown };
  } catch {
    return { ok: false, message: 'request body is not JSON' };
  }
}
