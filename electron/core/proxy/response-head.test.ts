import { describe, expect, it } from 'vitest';
import { parseResponseHead, type ResponseFraming } from './response-head.js';

const head = (text: string): Buffer => Buffer.from(`${text}\r\n\r\n`, 'latin1');

describe('parseResponseHead', () => {
  const framings: [string, string, string, ResponseFraming, boolean][] = [
    ['a sized body', 'GET', 'HTTP/1.1 200 OK\r\nContent-Length: 12', { kind: 'length', length: 12 }, true],
    ['a chunked stream', 'GET', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked', { kind: 'chunked' }, true],
    [
      'chunked wins over a length',
      'GET',
      'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked',
      { kind: 'chunked' },
      true,
    ],
    [
      'a body to the close',
      'GET',
      'HTTP/1.1 200 OK\r\nContent-Type: application/x-tar',
      { kind: 'close' },
      false,
    ],
    [
      'gzip then chunked',
      'GET',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked',
      { kind: 'chunked' },
      true,
    ],
    [
      'a coding other than chunked last',
      'GET',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip',
      { kind: 'close' },
      false,
    ],
    ['a HEAD answer with a length', 'HEAD', 'HTTP/1.1 200 OK\r\nContent-Length: 2', { kind: 'none' }, true],
    ['204 No Content', 'DELETE', 'HTTP/1.1 204 No Content', { kind: 'none' }, true],
    ['304 Not Modified', 'POST', 'HTTP/1.1 304 Not Modified', { kind: 'none' }, true],
    [
      'Connection: close',
      'GET',
      'HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close',
      { kind: 'length', length: 0 },
      false,
    ],
    [
      'an HTTP/1.0 answer',
      'GET',
      'HTTP/1.0 200 OK\r\nContent-Length: 3',
      { kind: 'length', length: 3 },
      false,
    ],
    [
      'an HTTP/1.0 keep-alive answer',
      'GET',
      'HTTP/1.0 200 OK\r\nContent-Length: 3\r\nConnection: keep-alive',
      { kind: 'length', length: 3 },
      true,
    ],
  ];
  for (const [name, method, text, framing, keepAlive] of framings) {
    it(`frames ${name}`, () => {
      const parsed = parseResponseHead(head(text), method);
      expect(parsed.kind).toBe('head');
      if (parsed.kind !== 'head') return;
      expect(parsed.head.framing).toEqual(framing);
      expect(parsed.head.keepAlive).toBe(keepAlive);
    });
  }

  it('keeps status, reason, header order and names, and counts the head bytes', () => {
    const input = Buffer.concat([
      head(
        'HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp',
      ),
      Buffer.from('raw'),
    ]);
    const parsed = parseResponseHead(input, 'POST');
    expect(parsed).toMatchObject({
      kind: 'head',
      consumed: input.length - 3,
      head: {
        status: 101,
        reason: 'UPGRADED',
        headers: [
          ['Content-Type', 'application/vnd.docker.raw-stream'],
          ['Connection', 'Upgrade'],
          ['Upgrade', 'tcp'],
        ],
      },
    });
  });

  it('waits for the rest of a head', () => {
    expect(parseResponseHead(Buffer.from('HTTP/1.1 200 OK\r\nContent-Len'), 'GET')).toEqual({
      kind: 'incomplete',
    });
  });

  const malformed: [string, string][] = [
    ['a garbled status line', 'HTTP/1.1 OK'],
    ['HTTP/2', 'HTTP/2 200 OK'],
    ['a header without a colon', 'HTTP/1.1 200 OK\r\nnonsense'],
    ['a non-numeric length', 'HTTP/1.1 200 OK\r\nContent-Length: 1x'],
    ['two different lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2'],
  ];
  for (const [name, text] of malformed) {
    it(`refuses ${name}`, () => {
      expect(parseResponseHead(head(text), 'GET').kind).toBe('error');
    });
  }
});
