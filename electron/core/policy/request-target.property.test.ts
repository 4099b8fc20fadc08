// Properties of routing a request-target as the engine will: a plain path routes to itself with its
// version prefix taken off; a spelling that could route differently from how it was judged is refused;
// nothing throws.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRequestTarget } from './request-target.js';

const segment = fc
  .stringMatching(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,11}$/)
  .filter((s) => s !== '.' && s !== '..');
const path = fc.array(segment, { minLength: 1, maxLength: 5 }).map((parts) => `/${parts.join('/')}`);

describe('parseRequestTarget, properties', () => {
  it('routes a plain path to itself, with or without a version prefix, query kept', () => {
    fc.assert(
      fc.property(
        path,
        fc.option(fc.constantFrom('1.41', '1.45', '1.24')),
        fc.option(segment),
        (p, version, q) => {
          const raw = `${version ? `/v${version}` : ''}${p}${q ? `?name=${q}` : ''}`;
          const target = parseRequestTarget('GET', raw);
          // A first segment that is itself a version (`/v1.2`) is a prefix to the engine too.
          if (/^\/v[0-9.]+(\/|$)/.test(p)) return;
          expect(target.ok).toBe(true);
          if (!target.ok) return;
          expect(target.path).toBe(p);
          expect(target.apiVersion).toBe(version ?? null);
          expect(target.query.get('name')).toBe(q ?? null);
        },
      ),
    );
  });

  it('refuses an encoded slash, a dot segment or an empty segment anywhere in the path', () => {
    fc.assert(
      fc.property(path, fc.constantFrom('%2F', '%2f', '/./', '/../', '//'), fc.nat(), (p, odd, at) => {
        const i = 1 + (at % p.length);
        const raw = `${p.slice(0, i)}${odd}${p.slice(i)}`;
        expect(parseRequestTarget('POST', raw).ok).toBe(false);
      }),
    );
  });

  it('never throws', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('GET', 'POST', 'get', 'PATCH'),
        fc.string({ maxLength: 80 }),
        (method, raw) => {
          expect(typeof parseRequestTarget(method, raw).ok).toBe('boolean');
        },
      ),
    );
  });
});
