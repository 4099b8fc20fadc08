import { describe, expect, it } from 'vitest';
import { parseRequestHead } from './request-head.js';

const parse = (text: string) => parseRequestHead(Buffer.from(text, 'latin1'));

describe('parseRequestHead', () => {
  it('parses a CLI request and counts the head bytes', () => {
    const text =
      'POST /v1.41/containers/create?name=c HTTP/1.1\r\nHost: api.moby.localhost\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n{"Image":""}';
    const result = parse(text);
    expect(result.kind).toBe('head');
    if (result.kind !== 'head') return;
    expect(result.head).toMatchObject({
      method: 'POST',
      target: '/v1.41/containers/create?name=c',
      httpVersion: '1.1',
      body: { kind: 'length', length: 12 },
      keepAlive: true,
      upgrade: null,
    });
    expect(result.consumed).toBe(text.length - 12);
  });

  it('waits for the rest of a head', () => {
    expect(parse('GET /_ping HTTP/1.1\r\nHost: x\r\n').kind).toBe('incomplete');
  });

  it.each([
    ['chunked', 'POST /build HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n', { kind: 'chunked' }],
    [
      'chunked in any case',
      'POST /build HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n',
      { kind: 'chunked' },
    ],
    ['no body', 'GET /info HTTP/1.1\r\nHost: x\r\n\r\n', { kind: 'none' }],
    ['zero length', 'POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n', { kind: 'none' }],
    [
      'identical duplicate lengths',
      'POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n',
      { kind: 'length', length: 5 },
    ],
  ])('body framing: %s', (_name, text, body) => {
    const result = parse(text);
    expect(result.kind === 'head' && result.head.body).toEqual(body);
  });

  it.each([
    [
      'CL and TE together (smuggling)',
      'POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n',
      400,
    ],
    [
      'TE then CL',
      'POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n',
      400,
    ],
    [
      'conflicting lengths',
      'POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\n',
      400,
    ],
    ['length list that disagrees', 'POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 4, 5\r\n\r\n', 400],
    ['signed length', 'POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: +4\r\n\r\n', 400],
    ['hex length', 'POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 0x4\r\n\r\n', 400],
    ['TE other than chunked', 'POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n', 501],
    [
      'TE chunked twice',
      'POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n',
      501,
    ],
    ['TE with a vertical tab', 'POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\x0bchunked\r\n\r\n', 400],
    ['TE in HTTP/1.0', 'POST /x HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n', 400],
    ['space before colon', 'POST /x HTTP/1.1\r\nHost: x\r\nContent-Length : 4\r\n\r\n', 400],
    ['obs-fold', 'GET /x HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  continued\r\n\r\n', 400],
    ['bare LF', 'GET /x HTTP/1.1\nHost: x\r\n\r\n', 400],
    ['bare CR in value', 'GET /x HTTP/1.1\r\nHost: x\rX: 1\r\n\r\n', 400],
    ['NUL in value', 'GET /x HTTP/1.1\r\nHost: x\0\r\n\r\n', 400],
    ['missing Host in 1.1', 'GET /x HTTP/1.1\r\n\r\n', 400],
    ['two Hosts', 'GET /x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 400],
    ['lowercase method', 'post /x HTTP/1.1\r\nHost: x\r\n\r\n', 405],
    ['unknown method', 'PATCH /x HTTP/1.1\r\nHost: x\r\n\r\n', 405],
    ['two spaces in request line', 'GET  /x HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['space in target', 'GET /x y HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['raw non-ASCII in target', 'GET /\xff HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\n', 405],
    ['HTTP/0.9-ish', 'GET /x HTTP/0.9\r\nHost: x\r\n\r\n', 505],
    ['unknown Expect', 'GET /x HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\n\r\n', 417],
  ])('refuses %s', (_name, text, status) => {
    const result = parse(text);
    expect(result.kind).toBe('error');
    expect(result.kind === 'error' && result.status).toBe(status);
  });

  it('refuses an oversized head before it is complete', () => {
    const big = `GET /x HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(1 << 20)}`;
    const result = parse(big);
    expect(result.kind === 'error' && result.status).toBe(431);
  });

  it.each([
    ['a whole head', `GET /${'a'.repeat(100)} HTTP/1.1\r\nHost: x\r\n\r\n`, 414],
    ['a request line still being sent', `GET /${'a'.repeat(200)}`, 414],
    ['a target at the limit', `GET /${'a'.repeat(99)} HTTP/1.1\r\nHost: x\r\n\r\n`, 'head'],
    ['a long header after a short target', `GET / HTTP/1.1\r\nX-A: ${'a'.repeat(300)}`, 'incomplete'],
  ])('with a target limit of 100 bytes: %s', (_name, text, outcome) => {
    const result = parseRequestHead(Buffer.from(text, 'latin1'), 100);
    expect(result.kind === 'error' ? result.status : result.kind).toBe(outcome);
  });

  it('accepts a large X-Registry-Config header as Go does (under 1 MiB)', () => {
    const result = parse(
      `POST /build HTTP/1.1\r\nHost: x\r\nX-Registry-Config: ${'e'.repeat(200_000)}\r\n\r\n`,
    );
    expect(result.kind).toBe('head');
  });

  it('parses only the first of pipelined requests', () => {
    const result = parse('GET /_ping HTTP/1.1\r\nHost: x\r\n\r\nGET /info HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(result.kind === 'head' && result.consumed).toBe('GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n'.length);
  });

  it('sees upgrades only when Connection names them', () => {
    const up = parse(
      'POST /containers/c/attach?stream=1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n',
    );
    expect(up.kind === 'head' && up.head.upgrade).toBe('tcp');
    const not = parse('POST /containers/c/attach HTTP/1.1\r\nHost: x\r\nUpgrade: tcp\r\n\r\n');
    expect(not.kind === 'head' && not.head.upgrade).toBe(null);
  });

  it.each([
    ['HTTP/1.1 default', 'GET /x HTTP/1.1\r\nHost: x\r\n\r\n', true],
    ['HTTP/1.1 close', 'GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', false],
    ['HTTP/1.0 default', 'GET /x HTTP/1.0\r\n\r\n', false],
    ['HTTP/1.0 keep-alive', 'GET /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n', true],
  ])('keep-alive: %s', (_name, text, keepAlive) => {
    const result = parse(text);
    expect(result.kind === 'head' && result.head.keepAlive).toBe(keepAlive);
  });
});
