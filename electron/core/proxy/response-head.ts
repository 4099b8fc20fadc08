// Parses the engine's response head. The engine is trusted, but the relay forwards its body bytes
// as they come, so where the body ends must be derived exactly as RFC 9112 §6.3 says.

import { headerList } from './request-head.js';

export const MAX_RESPONSE_HEAD_BYTES = 1 << 20;

/** How the body that follows the head is delimited. */
export type ResponseFraming =
  | { kind: 'none' }
  | { kind: 'length'; length: number }
  | { kind: 'chunked' }
  /** Until the engine closes the connection. */
  | { kind: 'close' };

export interface ResponseHead {
  status: number;
  reason: string;
  /** Header fields in order, names as sent. */
  headers: ReadonlyArray<readonly [name: string, value: string]>;
  framing: ResponseFraming;
  /** Whether the engine keeps the connection open after this response. */
  keepAlive: boolean;
}

export type ResponseHeadParse =
  | { kind: 'incomplete' }
  | { kind: 'error'; message: string }
  | { kind: 'head'; head: ResponseHead; consumed: number };

const CRLFCRLF = Buffer.from('\r\n\r\n');
const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9][0-9]{2})(?: (.*))?$/;

/** Parses the head at the start of `buffer`, for a request made with `method`. */
export function parseResponseHead(buffer: Buffer, method: string): ResponseHeadParse {
  const end = buffer.indexOf(CRLFCRLF);
  if (end === -1) {
    return buffer.length > MAX_RESPONSE_HEAD_BYTES
      ? { kind: 'error', message: 'response head too large' }
      : { kind: 'incomplete' };
  }
  const lines = buffer.toString('latin1', 0, end).split('\r\n');
  const status = STATUS_LINE.exec(lines[0] ?? '');
  if (!status) return { kind: 'error', message: `malformed status line ${JSON.stringify(lines[0])}` };
  const http10 = status[1] === '0';
  const code = Number(status[2]);
  const headers: [string, string][] = [];
  let contentLength: string | null = null;
  let transferEncoding: string[] = [];
  let connection: string[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    const colon = line.indexOf(':');
    if (colon <= 0) return { kind: 'error', message: 'malformed response header line' };
    const name = line.slice(0, colon);
    const value = line.slice(colon + 1).trim();
    headers.push([name, value]);
    switch (name.toLowerCase()) {
      case 'content-length':
        if (!/^[0-9]{1,15}$/.test(value) || (contentLength !== null && contentLength !== value))
          return { kind: 'error', message: 'malformed Content-Length in response' };
        contentLength = value;
        break;
      case 'transfer-encoding':
        transferEncoding = [...transferEncoding, ...headerList(value)];
        break;
      case 'connection':
        connection = [...connection, ...headerList(value)];
        break;
    }
  }
  let framing: ResponseFraming;
  if (method === 'HEAD' || code < 200 || code === 204 || code === 304) framing = { kind: 'none' };
  else if (transferEncoding.length > 0)
    framing =
      transferEncoding[transferEncoding.length - 1] === 'chunked' ? { kind: 'chunked' } : { kind: 'close' };
  else if (contentLength !== null) framing = { kind: 'length', length: Number(contentLength) };
  else framing = { kind: 'close' };
  const keepAlive =
    framing.kind !== 'close' &&
    !connection.includes('close') &&
    (!http10 || connection.includes('keep-alive'));
  return {
    kind: 'head',
    consumed: end + 4,
    head: { status: code, reason: status[3] ?? '', headers, framing, keepAlive },
  };
}
