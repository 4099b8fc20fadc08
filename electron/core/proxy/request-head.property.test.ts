// Properties of the strict head parser, over generated heads: what a well-formed head says is read
// back exactly, however its bytes arrive; what is ambiguous is refused; nothing throws.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRequestHead } from './request-head.js';

const token = fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,16}$/);
const fieldValue = fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,30}[\x21-\x7e])?$/);
const target = fc.stringMatching(/^\/[\x21-\x7e]{0,40}$/);
const method = fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE');
// Names the parser gives a meaning to are left out: their rules have their own table tests.
const special = new Set(['content-length', 'transfer-encoding', 'connection', 'host', 'upgrade', 'expect']);
const header = fc.tuple(token, fieldValue).filter(([name]) => !special.has(name.toLowerCase()));

const wellFormed = fc.record({ method, target, headers: fc.array(header, { maxLength: 8 }) });

function serialize(head: { method: string; target: string; headers: [string, string][] }): Buffer {
  const lines = [
    `${head.method} ${head.target} HTTP/1.1`,
    'Host: docker',
    ...head.headers.map(([n, v]) => `${n}: ${v}`),
  ];
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}

describe('parseRequestHead, properties', () => {
  it('reads back a well-formed head exactly, and consumes exactly its bytes', () => {
    fc.assert(
      fc.property(wellFormed, fc.uint8Array({ maxLength: 16 }), (head, after) => {
        const bytes = serialize(head);
        const parsed = parseRequestHead(Buffer.concat([bytes, after]));
        expect(parsed.kind).toBe('head');
        if (parsed.kind !== 'head') return;
        expect(parsed.consumed).toBe(bytes.length);
        expect(parsed.head.method).toBe(head.method);
        expect(parsed.head.target).toBe(head.target);
        expect(parsed.head.headers.slice(1)).toEqual(head.headers);
        expect(parsed.head.body).toEqual({ kind: 'none' });
      }),
    );
  });

  it('is incomplete on every proper prefix, whatever the split', () => {
    fc.assert(
      fc.property(wellFormed, fc.nat(), (head, cut) => {
        const bytes = serialize(head);
        const prefix = bytes.subarray(0, cut % bytes.length);
        expect(parseRequestHead(prefix).kind).toBe('incomplete');
      }),
    );
  });

  it('refuses a bare CR or LF anywhere in the head', () => {
    fc.assert(
      fc.property(wellFormed, fc.nat(), fc.constantFrom('\r', '\n'), (head, at, stray) => {
        const text = serialize(head).toString('latin1');
        const end = text.indexOf('\r\n\r\n');
        const i = 1 + (at % (end - 1));
        // Not next to an existing CR or LF, so it stays bare.
        if (/[\r\n]/.test(text[i - 1] ?? '') || /[\r\n]/.test(text[i] ?? '')) return;
        const broken = Buffer.from(`${text.slice(0, i)}${stray}${text.slice(i)}`, 'latin1');
        const parsed = parseRequestHead(broken);
        expect(parsed.kind).toBe('error');
      }),
    );
  });

  it('refuses Content-Length with Transfer-Encoding, and conflicting lengths, in any order and case', () => {
    fc.assert(
      fc.property(
        wellFormed,
        fc.nat(99_999),
        fc.boolean(),
        fc.constantFrom('Content-Length', 'content-length', 'CONTENT-LENGTH'),
        (head, length, teFirst, clName) => {
          const cl: [string, string] = [clName, String(length)];
          const te: [string, string] = ['Transfer-Encoding', 'chunked'];
          const both = serialize({ ...head, headers: [...head.headers, ...(teFirst ? [te, cl] : [cl, te])] });
          expect(parseRequestHead(both)).toMatchObject({ kind: 'error', status: 400 });
          const twice = serialize({ ...head, headers: [...head.headers, cl, [clName, String(length + 1)]] });
          expect(parseRequestHead(twice)).toMatchObject({ kind: 'error', status: 400 });
        },
      ),
    );
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        const parsed = parseRequestHead(Buffer.from(bytes));
        expect(['incomplete', 'error', 'head']).toContain(parsed.kind);
      }),
    );
  });
});
