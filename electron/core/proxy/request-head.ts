// Parses an HTTP/1.x request head strictly. The proxy forwards what this parser understood (a
// canonical re-serialization), so anything ambiguous is refused here rather than guessed at: a
// request the proxy and the engine could read differently is how smuggling starts.

/** Go's net/http default (http.DefaultMaxHeaderBytes); the engine does not change it. */
export const MAX_HEAD_BYTES = 1 << 20;

/** Methods the Docker Engine API routes. Anything else (including `post`) is refused. */
export const ENGINE_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS']);

export interface RequestHead {
  method: string;
  /** The request-target exactly as sent (judged and quoted in denials). */
  target: string;
  httpVersion: '1.0' | '1.1';
  /** Header fields in order, names as sent. */
  headers: ReadonlyArray<readonly [name: string, value: string]>;
  /** Body framing derived from the headers. */
  body: { kind: 'none' } | { kind: 'length'; length: number } | { kind: 'chunked' };
  keepAlive: boolean;
  /** The Connection header's tokens, lowercased: the fields they name are hop-by-hop too. */
  connection: readonly string[];
  /** The Upgrade protocol when the client asked to switch (`Connection: Upgrade` + `Upgrade: x`). */
  upgrade: string | null;
  expectContinue: boolean;
}

export type HeadParse =
  | { kind: 'incomplete' }
  | { kind: 'error'; status: number; message: string }
  | { kind: 'head'; head: RequestHead; consumed: number };

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Field values: visible ASCII, obs-text, space and tab (RFC 9110 §5.5); no CR, LF or NUL.
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
// request-target: visible ASCII only (no spaces, no controls, no raw non-ASCII).
const TARGET = /^[\x21-\x7e]+$/;
const CRLFCRLF = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');
/** A request line's bytes besides its target: the method (7 at most), two spaces and the version. */
const REQUEST_LINE_SLACK = 32;

function tooLongTarget(maxTargetBytes: number): HeadParse {
  return fail(414, `request-target longer than ${maxTargetBytes} bytes, the most Socket Warden judges`);
}

function fail(status: number, message: string): HeadParse {
  return { kind: 'error', status, message };
}

/** A comma-separated field value as lowercased tokens, empty elements dropped (RFC 9110 §5.6.1). */
export function headerList(value: string): string[] {
  return value
    .split(',')
    .map((part) => part.trim().toLowerCase())
    .filter((part) => part.length > 0);
}

/**
 * Parses one request head at the start of `buffer`; `consumed` counts its bytes including CRLFCRLF.
 * A request-target longer than `maxTargetBytes` is refused (414): Go would take one up to the head's
 * 1 MiB, but each one is judged (routed, decoded, quoted in a denial), so its size is the proxy's cost.
 */
export function parseRequestHead(buffer: Buffer, maxTargetBytes = MAX_HEAD_BYTES): HeadParse {
  const end = buffer.indexOf(CRLFCRLF);
  if (end === -1) {
    // A request line already too long is refused before the rest of it is waited for.
    const lineEnd = buffer.indexOf(CRLF);
    if ((lineEnd === -1 ? buffer.length : lineEnd) > maxTargetBytes + REQUEST_LINE_SLACK)
      return tooLongTarget(maxTargetBytes);
    return buffer.length > MAX_HEAD_BYTES
      ? fail(431, 'request header fields too large')
      : { kind: 'incomplete' };
  }
  if (end + 4 > MAX_HEAD_BYTES) return fail(431, 'request header fields too large');
  // latin1 keeps every byte as one char, so a stray byte can be seen and refused rather than decoded away.
  const text = buffer.toString('latin1', 0, end);
  if (/\r(?!\n)|(?<!\r)\n/.test(text)) return fail(400, 'bare CR or LF in request head');
  const lines = text.split('\r\n');
  const requestLine = lines[0] ?? '';
  const parts = requestLine.split(' ');
  if (parts.length !== 3)
    return fail(400, `malformed request line ${JSON.stringify(requestLine.slice(0, 80))}`);
  const [method = '', target = '', version = ''] = parts;
  if (target.length > maxTargetBytes) return tooLongTarget(maxTargetBytes);
  if (!TOKEN.test(method)) return fail(400, 'malformed method');
  if (!ENGINE_METHODS.has(method))
    return fail(405, `method ${JSON.stringify(method)} is not used by the Docker Engine API`);
  if (!TARGET.test(target)) return fail(400, 'malformed request-target');
  if (version !== 'HTTP/1.1' && version !== 'HTTP/1.0')
    return fail(505, `unsupported protocol ${JSON.stringify(version)}`);
  const httpVersion = version === 'HTTP/1.1' ? '1.1' : '1.0';

  const headers: Array<readonly [string, string]> = [];
  const contentLengths: string[] = [];
  const transferEncodings: string[] = [];
  const connection: string[] = [];
  let hosts = 0;
  let upgradeValue: string | null = null;
  let expect: string | null = null;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.startsWith(' ') || line.startsWith('\t'))
      return fail(400, 'obsolete line folding in request head');
    const colon = line.indexOf(':');
    if (colon <= 0) return fail(400, 'malformed header line');
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) return fail(400, `malformed header name ${JSON.stringify(name.slice(0, 40))}`);
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
    if (!FIELD_VALUE.test(value)) return fail(400, `malformed value in header ${name}`);
    headers.push([name, value]);
    switch (name.toLowerCase()) {
      case 'content-length':
        contentLengths.push(...value.split(',').map((v) => v.trim()));
        break;
      case 'transfer-encoding':
        transferEncodings.push(...headerList(value));
        break;
      case 'connection':
        connection.push(...headerList(value));
        break;
      case 'host':
        hosts++;
        break;
      case 'upgrade':
        if (upgradeValue !== null) return fail(400, 'more than one Upgrade header');
        upgradeValue = value;
        break;
      case 'expect':
        expect = value.toLowerCase();
        break;
    }
  }
  if (hosts > 1) return fail(400, 'more than one Host header');
  if (httpVersion === '1.1' && hosts === 0) return fail(400, 'missing required Host header');

  let body: RequestHead['body'] = { kind: 'none' };
  if (transferEncodings.length > 0) {
    if (contentLengths.length > 0) return fail(400, 'both Content-Length and Transfer-Encoding present');
    if (httpVersion === '1.0') return fail(400, 'Transfer-Encoding in an HTTP/1.0 request');
    if (transferEncodings.length !== 1 || transferEncodings[0] !== 'chunked') {
      return fail(501, `unsupported Transfer-Encoding ${JSON.stringify(transferEncodings.join(', '))}`);
    }
    body = { kind: 'chunked' };
  } else if (contentLengths.length > 0) {
    const first = contentLengths[0] ?? '';
    if (!/^\d{1,15}$/.test(first) || contentLengths.some((v) => v !== first)) {
      return fail(400, 'invalid or conflicting Content-Length');
    }
    const length = Number(first);
    body = length === 0 ? { kind: 'none' } : { kind: 'length', length };
  }

  if (expect !== null && expect !== '100-continue')
    return fail(417, `unsupported Expect ${JSON.stringify(expect)}`);
  const keepAlive = httpVersion === '1.1' ? !connection.includes('close') : connection.includes('keep-alive');
  const upgrade = connection.includes('upgrade') && upgradeValue ? upgradeValue : null;
  return {
    kind: 'head',
    consumed: end + 4,
    head: {
      method,
      target,
      httpVersion,
      headers,
      body,
      keepAlive,
      connection,
      upgrade,
      expectContinue: expect === '100-continue',
    },
  };
}

/** Hop-by-hop fields (RFC 9110 §7.6.1) and the framing fields the proxy sets itself. */
export const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'content-length',
  'expect',
]);
