import { describe, expect, it } from 'vitest';
import {
  decodeGo,
  decodeGoInto,
  encodeGo,
  goFold,
  goTypes as t,
  lookupField,
  parseJson,
  writeJson,
  type GoType,
  type JsonValue,
} from './go-json.js';

const bytes = (s: string): Buffer => Buffer.from(s, 'utf8');

function parsed(s: string | Buffer): JsonValue {
  const r = parseJson(typeof s === 'string' ? bytes(s) : s);
  if (!r.ok) throw new Error(r.message);
  return r.value;
}

/** Decodes like Go and re-encodes canonically, as text. */
function roundTrip(type: GoType, body: string): string {
  const r = decodeGo(parsed(body), type);
  if (!r.ok) throw new Error(r.message);
  return writeJson(encodeGo(r.value, type));
}

describe('parseJson refuses what Go would read differently or what we cannot judge', () => {
  it.each([
    ['invalid UTF-8 (Go would turn it into U+FFFD)', Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])],
    ['overlong UTF-8 encoding of "/"', Buffer.from([0x22, 0xc0, 0xaf, 0x22])],
    ['UTF-8-encoded surrogate (CESU)', Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22])],
    ['a lone high surrogate escape', bytes('{"Binds":["\\ud800"]}')],
    ['a lone low surrogate escape', bytes('{"Binds":["\\udc00"]}')],
    ['a high surrogate followed by a non-surrogate escape', bytes('"\\ud800\\u0041"')],
    ['a byte-order mark', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes('{}')])],
    ['trailing data after the object (Go ignores it)', bytes('{"Image":"a"}{"Image":"b"}')],
    ['trailing garbage', bytes('{"Image":"a"} x')],
    ['an empty body', bytes('')],
    ['single quotes', bytes("{'Image':'a'}")],
    ['a trailing comma', bytes('{"Image":"a",}')],
    ['a comment', bytes('{"Image":"a"/* */}')],
    ['an unescaped control character', bytes('"a\u0001"')],
    ['an invalid escape', bytes('"\\x41"')],
    ["an escaped single quote (old Go's unquote knew it, its scanner never did)", bytes('"\\\'"')],
    ['a leading zero', bytes('01')],
    ['a leading zero after a minus', bytes('[-01]')],
    ['a bare minus', bytes('-')],
    ['a minus before a fraction', bytes('-.5')],
    ['a leading plus', bytes('+1')],
    ['a point without digits after it', bytes('[1.]')],
    ['a point without digits before it', bytes('[.5]')],
    ['an exponent without digits', bytes('[1e]')],
    ['a signed exponent without digits', bytes('[1e+]')],
    ['two exponents', bytes('[1e5e5]')],
    ['a second point', bytes('[1.5.5]')],
    ['a number of 401 characters', bytes(`[${'9'.repeat(401)}]`)],
    ['NaN', bytes('NaN')],
    ['a vertical tab as whitespace', bytes('\u000b{}')],
    ['nesting deeper than the limit', bytes('['.repeat(65) + ']'.repeat(65))],
  ])('refuses %s', (_name, body) => {
    expect(parseJson(body).ok).toBe(false);
  });

  it.each([
    ['trailing newline (json.Encoder adds one)', '{"Image":"a"}\n', '{"Image":"a"}'],
    ['surrounding whitespace', ' \t\r\n{ "Image" : "a" } ', '{"Image":"a"}'],
    ['a valid surrogate pair escape', '"\\ud83d\\ude00"', '"😀"'],
    ['escaped key', '{"\\u0042inds":1}', '{"Binds":1}'],
    ['nesting at the limit', '['.repeat(64) + ']'.repeat(64), '['.repeat(64) + ']'.repeat(64)],
    ['numbers as written', '[1.50,-0,1e3]', '[1.50,-0,1e3]'],
    [
      'every number form, as written',
      '[0,-0,0.0,10,-12.25,1E5,1e+5,1e-05,-0.5E-0,123456789012345678901234567890]',
      '[0,-0,0.0,10,-12.25,1E5,1e+5,1e-05,-0.5E-0,123456789012345678901234567890]',
    ],
    ['a number of 400 characters', `[${'9'.repeat(400)}]`, `[${'9'.repeat(400)}]`],
    ['numbers before every delimiter', '{"a":[1 ,2\t],"b":3}', '{"a":[1,2],"b":3}'],
  ])('accepts %s', (_name, body, canonical) => {
    expect(writeJson(parsed(body))).toBe(canonical);
  });

  it.each([
    ['a point without digits: at the point', '[1.]', 2],
    ['an exponent without digits: at the e', '[12e+]', 3],
    ['a leading zero: at the digit after it', '[-01]', 3],
    ['a bare minus: at the minus', '[-]', 1],
    ['a number over 400 characters: at its 401st', `[${'9'.repeat(405)}]`, 401],
  ])('says where a malformed number is: %s', (_name, body, offset) => {
    expect(parseJson(bytes(body))).toEqual({
      ok: false,
      message: `invalid JSON at offset ${offset}: invalid number`,
    });
  });

  it('keeps duplicate keys in order', () => {
    expect(writeJson(parsed('{"a":1,"A":2,"a":3}'))).toBe('{"a":1,"A":2,"a":3}');
  });
});

describe('goFold matches keys the way Go picks struct fields', () => {
  it.each([
    ['binds', 'Binds', true],
    ['BINDS', 'Binds', true],
    ['bInDs', 'Binds', true],
    ['Bind\u017f', 'Binds', true], // LATIN SMALL LETTER LONG S
    ['\u212Aernel', 'Kernel', true], // KELVIN SIGN
    ['L\u0131nks', 'Links', true], // dotless i (go1.21+)
    ['\u0130mage', 'Image', true], // dotted capital I (go1.21+)
    ['Bind\u00df', 'Binds', false], // sharp s is not s
    ['Binds ', 'Binds', false],
    ['B_inds', 'Binds', false],
    ['Bindz', 'Binds', false],
    ['Bind\u0455', 'Binds', false], // Cyrillic dze looks like s, does not fold to it
  ])('%j vs %s: %s', (key, field, same) => {
    expect(goFold(key) === goFold(field)).toBe(same);
  });
});

const mountType = t.struct([
  { name: 'Type', type: t.string },
  { name: 'Source', type: t.string },
  { name: 'Target', type: t.string },
  { name: 'ReadOnly', type: t.bool },
]);
const hostConfig = t.struct([
  { name: 'Binds', type: t.slice(t.string) },
  { name: 'Privileged', type: t.bool },
  { name: 'PidMode', type: t.string },
  { name: 'CapAdd', type: t.strslice },
  { name: 'Memory', type: t.int },
  { name: 'Mounts', type: t.slice(mountType) },
  { name: 'Labels', type: t.map(t.string) },
  { name: 'LogConfig', type: t.opaque },
]);
const wrapper = t.struct([{ name: 'HostConfig', type: t.ptr(hostConfig) }]);

describe('decodeGo follows encoding/json', () => {
  it.each([
    ['exact key', '{"HostConfig":{"Binds":["/a:/a"]}}', '{"HostConfig":{"Binds":["/a:/a"]}}'],
    [
      'folded keys are renamed to the canonical field',
      '{"hostconfig":{"BINDS":["/a:/a"]}}',
      '{"HostConfig":{"Binds":["/a:/a"]}}',
    ],
    ['long-s key', '{"Ho\u017ftConfig":{"Bind\u017f":["/a:/a"]}}', '{"HostConfig":{"Binds":["/a:/a"]}}'],
    [
      'duplicate scalar: the last wins',
      '{"HostConfig":{"Privileged":true,"privileged":false}}',
      '{"HostConfig":{"Privileged":false}}',
    ],
    [
      'duplicate pointer-to-struct: the later object merges into the earlier',
      '{"HostConfig":{"Binds":["/a:/a"]},"HostConfig":{"Privileged":true}}',
      '{"HostConfig":{"Binds":["/a:/a"],"Privileged":true}}',
    ],
    [
      'null pointer resets the struct',
      '{"HostConfig":{"Binds":["/a:/a"]},"HostConfig":null}',
      '{"HostConfig":null}',
    ],
    [
      'null slice resets it',
      '{"HostConfig":{"Binds":["/a:/a"],"Binds":null}}',
      '{"HostConfig":{"Binds":null}}',
    ],
    [
      'null string leaves it as is',
      '{"HostConfig":{"PidMode":"host","PidMode":null}}',
      '{"HostConfig":{"PidMode":"host"}}',
    ],
    [
      'null bool leaves it as is',
      '{"HostConfig":{"Privileged":true,"Privileged":null}}',
      '{"HostConfig":{"Privileged":true}}',
    ],
    [
      'a second slice replaces the first',
      '{"HostConfig":{"Binds":["/a:/a","/b:/b"],"Binds":["/c:/c"]}}',
      '{"HostConfig":{"Binds":["/c:/c"]}}',
    ],
    [
      'a null element keeps the earlier element at that index',
      '{"HostConfig":{"Binds":["/var/run:/x","/b:/b"],"Binds":[null]}}',
      '{"HostConfig":{"Binds":["/var/run:/x"]}}',
    ],
    [
      'stale elements past the length come back while capacity lasts',
      '{"HostConfig":{"Binds":["/a:/a","/var/run:/x"],"Binds":["/c:/c"],"Binds":["/d:/d",null]}}',
      '{"HostConfig":{"Binds":["/d:/d","/var/run:/x"]}}',
    ],
    [
      'an empty array drops the backing array',
      '{"HostConfig":{"Binds":["/a:/a","/var/run:/x"],"Binds":[],"Binds":["/d:/d",null]}}',
      '{"HostConfig":{"Binds":["/d:/d",""]}}',
    ],
    [
      'stale elements revive up to the capacity, growth keeps them, new room is zero',
      '{"HostConfig":{"Binds":["1","2","3","4"],"Binds":["a"],"Binds":["b",null,null,null,null]}}',
      '{"HostConfig":{"Binds":["b","2","3","4",""]}}',
    ],
    [
      'struct elements of a repeated slice merge field by field',
      '{"HostConfig":{"Mounts":[{"Type":"bind","Source":"/var/run","Target":"/x"}],"Mounts":[{"Type":"bind","Target":"/y"}]}}',
      '{"HostConfig":{"Mounts":[{"Type":"bind","Source":"/var/run","Target":"/y"}]}}',
    ],
    [
      'strslice takes a single string',
      '{"HostConfig":{"CapAdd":"SYS_PTRACE"}}',
      '{"HostConfig":{"CapAdd":["SYS_PTRACE"]}}',
    ],
    [
      'strslice is replaced wholesale',
      '{"HostConfig":{"CapAdd":["A","B"],"CapAdd":[null]}}',
      '{"HostConfig":{"CapAdd":[""]}}',
    ],
    [
      'map keys are exact and merge',
      '{"HostConfig":{"Labels":{"a":"1","A":"2"},"Labels":{"a":"3"}}}',
      '{"HostConfig":{"Labels":{"A":"2","a":"3"}}}',
    ],
    [
      'unknown keys are kept as written',
      '{"HostConfig":{"Devices":[{"x":1}],"devices":2}}',
      '{"HostConfig":{"Devices":[{"x":1}],"devices":2}}',
    ],
    [
      'opaque known fields replay every occurrence under the canonical name',
      '{"HostConfig":{"logconfig":{"Type":"a"},"LOGCONFIG":{"Config":{}}}}',
      '{"HostConfig":{"LogConfig":{"Type":"a"},"LogConfig":{"Config":{}}}}',
    ],
    ['integers keep their text', '{"HostConfig":{"Memory":-0}}', '{"HostConfig":{"Memory":-0}}'],
  ])('%s', (_name, body, canonical) => {
    expect(roundTrip(wrapper, body)).toBe(canonical);
  });

  it.each([
    ['string into bool', '{"HostConfig":{"Privileged":"true"}}'],
    ['number into string', '{"HostConfig":{"PidMode":1}}'],
    ['object into slice', '{"HostConfig":{"Binds":{"0":"/a:/a"}}}'],
    ['array into struct', '{"HostConfig":[]}'],
    ['string into struct', '{"HostConfig":"x"}'],
    ['non-string slice element', '{"HostConfig":{"Binds":[1]}}'],
    ['fraction into int', '{"HostConfig":{"Memory":1.5}}'],
    ['exponent into int', '{"HostConfig":{"Memory":1e3}}'],
    ['int64 overflow', '{"HostConfig":{"Memory":9223372036854775808}}'],
    ['number into strslice', '{"HostConfig":{"CapAdd":1}}'],
  ])('refuses a type Go would refuse (the engine answers 400): %s', (_name, body) => {
    expect(decodeGo(parsed(body), wrapper).ok).toBe(false);
  });
});

describe('embedded structs (Go field promotion)', () => {
  const inner = t.struct([
    { name: 'A', type: t.string },
    { name: 'Both', type: t.string },
  ]);
  const other = t.struct([
    { name: 'Both', type: t.string },
    { name: 'Shadowed', type: t.string },
  ]);
  const outer = t.struct([
    { name: 'Inner', type: t.ptr(inner), embedded: true },
    { name: 'Other', type: t.ptr(other), embedded: true },
    { name: 'Shadowed', type: t.bool },
  ]);
  it('promotes fields of embedded structs and flattens them back', () => {
    expect(roundTrip(outer, '{"a":"x"}')).toBe('{"A":"x"}');
  });
  it('drops a name two embedded structs share at the same depth (Go ignores it)', () => {
    expect(lookupField(outer as GoType & { kind: 'struct' }, 'Both')).toBeUndefined();
    expect(roundTrip(outer, '{"Both":"x"}')).toBe('{"Both":"x"}');
  });
  it('lets the shallower field win', () => {
    expect(lookupField(outer as GoType & { kind: 'struct' }, 'shadowed')?.path).toEqual(['Shadowed']);
  });
});

describe('decoding time grows with the body, never with its square', () => {
  // A create body's shape; the old decoder copied a struct per key, so 30,000 keys took 30 s.
  const config = t.struct([
    { name: 'Image', type: t.string },
    { name: 'Cmd', type: t.opaque },
  ]);
  const wrapper = t.struct([
    { name: 'Config', type: t.ptr(config), embedded: true },
    { name: 'HostConfig', type: t.ptr(t.struct([{ name: 'Binds', type: t.slice(t.string) }])) },
  ]);
  const many = (part: (i: number) => string): string =>
    `{${Array.from({ length: 100_000 }, (_, i) => part(i)).join(',')}}`;
  it.each([
    ['keys it does not know', many((i) => `"k${i}":1`), 100_000],
    ['a repeated opaque key', many(() => '"Cmd":["x"]'), 2],
    ['a repeated field of an embedded struct', many((i) => `"Image":"i${i}"`), 1],
    ['a long string', `{"Image":"${'x'.repeat(4 << 20)}"}`, 1],
  ])('%s', (_name, body, entries) => {
    const started = performance.now();
    const decoded = decodeGo(parsed(body), wrapper);
    const json = decoded.ok ? encodeGo(decoded.value, wrapper) : undefined;
    // Generous for a loaded machine; the quadratic paths took minutes here.
    expect(performance.now() - started).toBeLessThan(5000);
    expect(json?.type === 'object' && json.entries.length).toBeGreaterThanOrEqual(entries);
  });

  it('keeps every occurrence of a repeated opaque key, in order', () => {
    expect(roundTrip(wrapper, '{"Cmd":[1],"cmd":[2],"CMD":[3]}')).toBe('{"Cmd":[1],"Cmd":[2],"Cmd":[3]}');
  });

  it('leaves the value it decodes into as it was', () => {
    const first = decodeGo(parsed('{"Image":"a","Cmd":[1],"x":1,"HostConfig":{"Binds":["/a:/a"]}}'), wrapper);
    if (!first.ok) throw new Error(first.message);
    const before = writeJson(encodeGo(first.value, wrapper));
    const merged = decodeGoInto(
      first.value,
      parsed('{"Image":"b","Cmd":[2],"y":2,"HostConfig":{"Binds":["/b:/b"]}}'),
      wrapper,
    );
    expect(merged.ok && writeJson(encodeGo(merged.value, wrapper))).toBe(
      '{"Image":"b","Cmd":[1],"Cmd":[2],"HostConfig":{"Binds":["/b:/b"]},"x":1,"y":2}',
    );
    expect(writeJson(encodeGo(first.value, wrapper))).toBe(before);
  });
});
