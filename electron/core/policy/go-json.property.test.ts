// Properties of the Go-compatible JSON reader and the create decoder: any JSON text JSON.parse reads
// (without duplicate keys) is read to the same value and written back to equal JSON; key case and
// escapes are folded as Go folds them; nothing throws on arbitrary bytes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCreateBody } from './container-create.js';
import { parseJson, writeJson } from './go-json.js';

describe('parseJson / writeJson, properties', () => {
  it('reads what JSON.parse reads, and writes it back to an equal value', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        const text = JSON.stringify(value);
        const parsed = parseJson(Buffer.from(text, 'utf8'));
        expect(parsed.ok).toBe(true);
        if (!parsed.ok) return;
        expect(JSON.parse(writeJson(parsed.value))).toEqual(JSON.parse(text));
      }),
    );
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(typeof parseJson(bytes).ok).toBe('boolean');
      }),
    );
  });
});

/** A spelling Go's decoder folds to `name`: each ASCII letter in either case, or as a \u escape. */
const spelling = (name: string) =>
  fc
    .tuple(
      ...[...name].map((c) =>
        fc.constantFrom(
          c.toLowerCase(),
          c.toUpperCase(),
          `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
        ),
      ),
    )
    .map((parts) => parts.join(''));

describe('decodeCreateBody, properties', () => {
  it('finds the binds whatever the case or escaping of HostConfig and Binds', () => {
    fc.assert(
      fc.property(
        spelling('HostConfig'),
        spelling('Binds'),
        fc.array(fc.stringMatching(/^\/[a-z]{1,8}:\/[a-z]{1,8}$/), { maxLength: 4 }),
        (hostConfig, binds, values) => {
          const body = `{"Image":"x","${hostConfig}":{"${binds}":${JSON.stringify(values)}}}`;
          const decoded = decodeCreateBody(Buffer.from(body));
          expect(decoded.ok).toBe(true);
          if (decoded.ok) expect(decoded.value.binds).toEqual(values);
        },
      ),
    );
  });

  it('the last of duplicate keys wins, as in Go, and the canonical body says so', () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^\/[a-z]{1,8}:\/s$/), { minLength: 2, maxLength: 4 }),
        (sources) => {
          const body = `{"Image":"x","HostConfig":{${sources.map((s) => `"Binds":["${s}"]`).join(',')}}}`;
          const decoded = decodeCreateBody(Buffer.from(body));
          expect(decoded.ok).toBe(true);
          if (!decoded.ok) return;
          expect(decoded.value.binds).toEqual([sources.at(-1)]);
          const again = decodeCreateBody(decoded.value.serialize());
          expect(again.ok && again.value.binds).toEqual([sources.at(-1)]);
        },
      ),
    );
  });
});
