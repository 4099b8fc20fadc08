import { describe, expect, it } from 'vitest';
import { parseRequestTarget } from './request-target.js';

describe('parseRequestTarget: what the docker CLI and SDKs send', () => {
  it.each([
    ['HEAD', '/_ping', null, '/_ping', ''],
    ['GET', '/v1.41/containers/json?all=1', '1.41', '/containers/json', 'all=1'],
    ['POST', '/v1.43/images/myimage/push?tag=latest', '1.43', '/images/myimage/push', 'tag=latest'],
    [
      'GET',
      '/v1.41/images/127.0.0.1:5000/team/app:1/json',
      '1.41',
      '/images/127.0.0.1:5000/team/app:1/json',
      '',
    ],
    ['GET', '/v1.41/images/busybox@sha256:abc/json', '1.41', '/images/busybox@sha256:abc/json', ''],
    // docker-py quotes `@` in paths; Go decodes it, so do we.
    ['GET', '/v1.41/images/busybox%40sha256:abc/json', '1.41', '/images/busybox@sha256:abc/json', ''],
    ['GET', '/containers/json', null, '/containers/json', ''],
    // `%31` is `1`: Go decodes before routing, so this is version 1.41 to the engine too.
    ['POST', '/v1.4%31/images/y/push', '1.41', '/images/y/push', ''],
    ['GET', '/v1.41/networks/', '1.41', '/networks/', ''],
    ['GET', '/v1.5/version', '1.5', '/version', ''],
    ['DELETE', '/v1.41/containers/c1?force=1&v=1', '1.41', '/containers/c1', 'force=1&v=1'],
    [
      'GET',
      '/v1.41/containers/json?filters=%7B%22status%22%3A%5B%22running%22%5D%7D',
      '1.41',
      '/containers/json',
      'filters=%7B%22status%22%3A%5B%22running%22%5D%7D',
    ],
    // curl sends JSON filters unescaped; Go accepts raw bytes in the query.
    [
      'GET',
      '/containers/json?filters={"status":["running"]}',
      null,
      '/containers/json',
      'filters=%7B%22status%22%3A%5B%22running%22%5D%7D',
    ],
  ])('%s %s', (method, raw, apiVersion, path, query) => {
    const target = parseRequestTarget(method, raw);
    expect(target).toMatchObject({ ok: true, method, apiVersion, path, original: raw });
    if (target.ok) expect(target.query.toString()).toBe(query);
  });

  it('reads the query as the engine does: + is a space, repeated keys keep every value, the first wins', () => {
    const target = parseRequestTarget('GET', '/v1.41/images/get?names=a&names=b&x=a+b%2Bc');
    expect(target.ok && target.query.getAll('names')).toEqual(['a', 'b']);
    expect(target.ok && target.query.get('x')).toBe('a b+c');
  });
});

describe('parseRequestTarget: spellings that could be routed differently from how they are judged', () => {
  it.each([
    // methods: gorilla matches bytes exactly; OPTIONS/PATCH/PRI (h2c preface, which a newer engine
    // would hand to its gRPC server) are not API methods.
    ['get', '/v1.41/containers/json', 'method'],
    ['Post', '/v1.41/images/x/push', 'method'],
    ['OPTIONS', '/v1.41/containers/json', 'method'],
    ['PATCH', '/v1.41/containers/c/update', 'method'],
    ['PRI', '*', 'method'],
    ['CONNECT', '/v1.41/containers/json', 'method'],
    ['POST ', '/v1.41/images/x/push', 'method'],
    // target forms other than origin-form: Go routes http://h/p on /p.
    ['POST', 'http://localhost/v1.41/images/x/push', 'must be a path'],
    ['POST', 'HTTP://localhost/v1.41/images/x/push', 'must be a path'],
    ['GET', '*', 'must be a path'],
    ['GET', 'v1.41/containers/json', 'must be a path'],
    ['GET', '', 'must be a path'],
    // fragments and backslashes: Go keeps `#` in the path, others would cut it.
    ['POST', '/v1.41/images/x/push#/containers/json', '"#"'],
    ['GET', '/v1.41/containers/json#', '"#"'],
    ['POST', '/v1.41/images/x\\..\\y/push', 'backslash'],
    // encoded separators and dots: Go decodes before gorilla matches (or cleans and redirects).
    ['POST', '/v1.41/images%2Fx%2Fpush', '%2F'],
    ['POST', '/v1.41/images/x%2fpush', '%2f'],
    ['POST', '/v1.41/images/x/%2e%2e/push', '"." or ".."'],
    ['POST', '/v1.41/images/x/%2E/push', '"." or ".."'],
    ['GET', '/v1.41/containers/x%5C..%5Cjson', '%5C'],
    ['GET', '/v1.41/containers/x%00/json', '%00'],
    ['GET', '/v1.41/containers/x%23/json', '%23'],
    ['GET', '/v1.41/containers/x%3F/json', '%3F'],
    ['GET', '/v1.41/containers/x%252F/json', '%25'],
    ['GET', '/v1.41/containers/x%C3%A9/json', '%C3'],
    ['GET', '/v1.41/containers/x%2/json', 'malformed'],
    ['GET', '/v1.41/containers/x%zz/json', 'malformed'],
    ['GET', '/v1.41/containers/x%/json', 'malformed'],
    // non-clean paths: gorilla answers 301 to the cleaned path.
    ['POST', '/v1.41/containers/x/../../images/y/push', '"." or ".."'],
    ['POST', '/v1.41/./images/y/push', '"." or ".."'],
    ['GET', '/v1.41/containers/..', '"." or ".."'],
    ['GET', '/v1.41/containers/.', '"." or ".."'],
    ['POST', '//v1.41/images/y/push', 'empty segment'],
    ['POST', '/v1.41//images/y/push', 'empty segment'],
    ['POST', '/v1.41/images//push', 'empty segment'],
    // version spellings the middleware would read numerically
    ['POST', '/v1.041/images/y/push', 'API version'],
    ['POST', '/v01.41/images/y/push', 'API version'],
    ['POST', '/v1.41.0/images/y/push', 'API version'],
    ['POST', '/v141/images/y/push', 'API version'],
    ['POST', '/v.41/images/y/push', 'API version'],
    ['POST', '/v1..41/images/y/push', 'API version'],
    ['POST', '/v1.41', 'nothing after it'],
    ['POST', '/v1.41/v1.41/images/y/push', 'two API version'],
    // raw characters that have no business in a path, and control bytes
    ['GET', '/v1.41/containers/"x"/json', 'must not appear unescaped'],
    ['GET', '/v1.41/containers/{x}/json', 'must not appear unescaped'],
    ['GET', '/v1.41/containers/x y/json', 'control, space'],
    ['GET', '/v1.41/containers/x\t/json', 'control, space'],
    ['GET', '/v1.41/containers/é/json', 'non-ASCII'],
    ['GET', '/v1.41/containers/json\r\nX: y', 'control'],
    // queries Go reads differently from URLSearchParams
    ['GET', '/v1.41/containers/json?all=1;size=1', '";"'],
    ['GET', '/v1.41/containers/json?all=%G1', 'malformed'],
  ])('refuses %s %j', (method, raw, reason) => {
    const target = parseRequestTarget(method, raw);
    expect(target.ok).toBe(false);
    if (!target.ok) {
      expect(target.status).toBe(400);
      expect(target.message).toContain(reason);
    }
  });
});
