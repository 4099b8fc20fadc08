import { describe, expect, it } from 'vitest';
import { parseWwwAuthenticate, type AuthChallenge } from './www-authenticate.js';

describe('parseWwwAuthenticate', () => {
  const cases: [string, AuthChallenge[]][] = [
    [
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/docker:pull"',
      [
        {
          scheme: 'bearer',
          params: {
            realm: 'https://auth.docker.io/token',
            service: 'registry.docker.io',
            scope: 'repository:library/docker:pull',
          },
        },
      ],
    ],
    ['Basic realm="Registry Realm"', [{ scheme: 'basic', params: { realm: 'Registry Realm' } }]],
    ['basic realm=registry', [{ scheme: 'basic', params: { realm: 'registry' } }]],
    [
      'Bearer realm="http://127.0.0.1:1/token", service="svc", error="insufficient_scope"',
      [
        {
          scheme: 'bearer',
          params: { realm: 'http://127.0.0.1:1/token', service: 'svc', error: 'insufficient_scope' },
        },
      ],
    ],
    // Several challenges in one header, and a comma inside a quoted value.
    [
      'Basic realm="a, b", Bearer realm="https://t/x",service="s"',
      [
        { scheme: 'basic', params: { realm: 'a, b' } },
        { scheme: 'bearer', params: { realm: 'https://t/x', service: 's' } },
      ],
    ],
    ['Bearer realm="say \\"hi\\""', [{ scheme: 'bearer', params: { realm: 'say "hi"' } }]],
    ['BEARER REALM="x"', [{ scheme: 'bearer', params: { realm: 'x' } }]],
    ['Bearer', [{ scheme: 'bearer', params: {} }]],
    ['', []],
  ];
  it.each(cases)('%s', (header, expected) => {
    expect(parseWwwAuthenticate(header)).toEqual(expected);
  });

  it('survives garbage without looping', () => {
    expect(() => parseWwwAuthenticate('=== ,, "unterminated')).not.toThrow();
  });
});
