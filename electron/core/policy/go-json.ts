// A JSON reader that sees a request body the way the Docker Engine's Go `encoding/json` decoder
// does, so the proxy judges exactly what the engine will act on and forwards a canonical re-encoding
// of that (never the client's bytes). JSON.parse cannot be used: it drops duplicate keys, and Go
// keeps the last one, merges repeated objects into the same struct, folds key case, and reuses a
// slice's backing array. Anything we cannot judge with certainty is refused instead of guessed.
// Source: golang/go src/encoding/json/decode.go and fold.go (go1.19 built the engine; go1.21+ folds
// with unicode.ToUpper(unicode.ToLower(r)), which accepts a superset of go1.19's keys).

export type JsonValue =
  | { type: 'object'; entries: JsonEntry[] }
  | { type: 'array'; items: JsonValue[] }
  | { type: 'string'; value: string }
  | { type: 'number'; text: string }
  | { type: 'boolean'; value: boolean }
  | { type: 'null' };

export interface JsonEntry {
  key: string;
  value: JsonValue;
}

export type Result<T> = { ok: true; value: T } | { ok: false; message: string };

/** Deeper than any real Docker API body (which nests about six levels); Go itself allows 10000. */
export const MAX_JSON_DEPTH = 64;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Parses one JSON value from `bytes`. Refuses invalid UTF-8, a byte-order mark, lone UTF-16
 * surrogate escapes (Go silently turns them into U+FFFD), nesting deeper than `maxDepth`, and any
 * non-whitespace after the value (Go's Decoder ignores it; a client has no honest reason to send it).
 */
export function parseJson(bytes: Uint8Array, options: { maxDepth?: number } = {}): Result<JsonValue> {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { ok: false, message: 'body is not valid UTF-8' };
  }
  const parser = new Parser(text, options.maxDepth ?? MAX_JSON_DEPTH);
  try {
    parser.skipSpace();
    const value = parser.value(0);
    parser.skipSpace();
    if (parser.pos !== text.length) parser.fail('unexpected data after the JSON value');
    return { ok: true, value };
  } catch (error) {
    if (error instanceof JsonSyntaxError) return { ok: false, message: error.message };
    throw error;
  }
}

class JsonSyntaxError extends Error {}

class Parser {
  pos = 0;
  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
  ) {}

  fail(what: string): never {
    throw new JsonSyntaxError(`invalid JSON at offset ${this.pos}: ${what}`);
  }

  skipSpace(): void {
    for (;;) {
      const c = this.text.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.pos++;
      else return;
    }
  }

  value(depth: number): JsonValue {
    const c = this.text[this.pos];
    if (c === '{' || c === '[') {
      if (depth >= this.maxDepth) this.fail(`nesting deeper than ${this.maxDepth}`);
      return c === '{' ? this.object(depth + 1) : this.array(depth + 1);
    }
    if (c === '"') return { type: 'string', value: this.string() };
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9'))
      return { type: 'number', text: this.number() };
    for (const [word, result] of LITERALS) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return result;
      }
    }
    return this.fail(
      c === undefined ? 'unexpected end of input' : `unexpected character ${JSON.stringify(c)}`,
    );
  }

  object(depth: number): JsonValue {
    this.pos++;
    const entries: JsonEntry[] = [];
    this.skipSpace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return { type: 'object', entries };
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] !== '"') this.fail('expected a string key');
      const key = this.string();
      this.skipSpace();
      if (this.text[this.pos] !== ':') this.fail("expected ':'");
      this.pos++;
      this.skipSpace();
      entries.push({ key, value: this.value(depth) });
      this.skipSpace();
      const c = this.text[this.pos++];
      if (c === '}') return { type: 'object', entries };
      if (c !== ',') {
        this.pos--;
        this.fail("expected ',' or '}'");
      }
    }
  }

  array(depth: number): JsonValue {
    this.pos++;
    const items: JsonValue[] = [];
    this.skipSpace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return { type: 'array', items };
    }
    for (;;) {
      this.skipSpace();
      items.push(this.value(depth));
      this.skipSpace();
      const c = this.text[this.pos++];
      if (c === ']') return { type: 'array', items };
      if (c !== ',') {
        this.pos--;
        this.fail("expected ',' or ']'");
      }
    }
  }

  string(): string {
    this.pos++;
    let out = '';
    for (;;) {
      // A run of plain characters is copied at once (appending them one by one built a rope of a
      // million pieces for a long string). Raw surrogates are always paired: the UTF-8 decode was strict.
      const start = this.pos;
      let code = this.text.charCodeAt(this.pos);
      while (code >= 0x20 && code !== 0x22 && code !== 0x5c) code = this.text.charCodeAt(++this.pos);
      if (this.pos > start) out += this.text.slice(start, this.pos);
      if (Number.isNaN(code)) this.fail('unterminated string');
      if (code === 0x22) {
        this.pos++;
        return out;
      }
      if (code < 0x20) this.fail('control character in string');
      const esc = this.text[this.pos + 1];
      this.pos += 2;
      const simple = esc === undefined ? undefined : ESCAPES[esc];
      if (simple !== undefined) {
        out += simple;
        continue;
      }
      if (esc !== 'u') this.fail('invalid escape');
      const unit = this.hex4();
      if (unit >= 0xd800 && unit <= 0xdbff) {
        if (this.text[this.pos] !== '\\' || this.text[this.pos + 1] !== 'u')
          this.fail('lone UTF-16 surrogate escape');
        this.pos += 2;
        const low = this.hex4();
        if (low < 0xdc00 || low > 0xdfff) this.fail('lone UTF-16 surrogate escape');
        out += String.fromCharCode(unit, low);
      } else if (unit >= 0xdc00 && unit <= 0xdfff) {
        this.fail('lone UTF-16 surrogate escape');
      } else {
        out += String.fromCharCode(unit);
      }
    }
  }

  hex4(): number {
    const digits = this.text.slice(this.pos, this.pos + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(digits)) this.fail('invalid \\u escape');
    this.pos += 4;
    return parseInt(digits, 16);
  }

  number(): string {
    // Scanned by character codes: a regular expression per number (on a slice of the text) was most
    // of the cost of a body of tens of thousands of numbers. A number is read within 400 characters,
    // longer than any value a Docker API field holds: a longer one is refused like `01` is.
    const text = this.text;
    const start = this.pos;
    const end = numberEnd(text, start, Math.min(text.length, start + MAX_NUMBER_CHARS));
    if (end === start || (end === start + 1 && text.charCodeAt(start) === MINUS)) this.fail('invalid number');
    this.pos = end;
    // Anything number-like right after is malformed (`01`, `1.`, `1e`, `1.5.5`), reported there.
    if (isNumberChar(text.charCodeAt(end))) this.fail('invalid number');
    return text.slice(start, end);
  }
}

const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
const MAX_NUMBER_CHARS = 400;

function isDigit(code: number): boolean {
  return code >= ZERO && code <= 0x39;
}

function isNumberChar(code: number): boolean {
  return (
    isDigit(code) || code === DOT || code === LOWER_E || code === UPPER_E || code === PLUS || code === MINUS
  );
}

/** Where the run of digits from `at` ends, before `limit` at the latest. */
function digitsFrom(text: string, at: number, limit: number): number {
  let end = at;
  while (end < limit && isDigit(text.charCodeAt(end))) end++;
  return end;
}

/**
 * Where the longest JSON number from `start` ends, reading before `limit` only: the match of
 * `-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?`; `start` (or just past a `-`) if none.
 * A fraction or an exponent without its digits is not part of it.
 */
function numberEnd(text: string, start: number, limit: number): number {
  let at = start;
  if (at < limit && text.charCodeAt(at) === MINUS) at++;
  if (at >= limit) return at;
  const first = text.charCodeAt(at);
  if (first === ZERO) at++;
  else if (isDigit(first)) at = digitsFrom(text, at, limit);
  else return at;
  if (at < limit && text.charCodeAt(at) === DOT) {
    const end = digitsFrom(text, at + 1, limit);
    if (end > at + 1) at = end;
    else return at;
  }
  const e = at < limit ? text.charCodeAt(at) : Number.NaN;
  if (e === LOWER_E || e === UPPER_E) {
    let exponent = at + 1;
    const sign = exponent < limit ? text.charCodeAt(exponent) : Number.NaN;
    if (sign === PLUS || sign === MINUS) exponent++;
    const end = digitsFrom(text, exponent, limit);
    if (end > exponent) at = end;
  }
  return at;
}

const LITERALS: ReadonlyArray<readonly [string, JsonValue]> = [
  ['true', { type: 'boolean', value: true }],
  ['false', { type: 'boolean', value: false }],
  ['null', { type: 'null' }],
];

const ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/**
 * Canonical JSON text for a parsed value; duplicate keys are written as they are held. Built by
 * appending to one string (V8 joins the pieces once, when the text is used): a map-and-join per array
 * made an array of 20,000 numbers cost three times as much.
 */
export function writeJson(value: JsonValue): string {
  switch (value.type) {
    case 'object': {
      let out = '{';
      const entries = value.entries;
      for (let i = 0; i < entries.length; i++) {
        const entry = entries[i] as JsonEntry;
        if (i > 0) out += ',';
        out += JSON.stringify(entry.key) + ':' + writeJson(entry.value);
      }
      return out + '}';
    }
    case 'array': {
      let out = '[';
      const items = value.items;
      for (let i = 0; i < items.length; i++) {
        if (i > 0) out += ',';
        out += writeJson(items[i] as JsonValue);
      }
      return out + ']';
    }
    case 'string':
      return JSON.stringify(value.value);
    case 'number':
      return value.text;
    case 'boolean':
      return value.value ? 'true' : 'false';
    case 'null':
      return 'null';
  }
}

// The only non-ASCII runes whose simple case mapping reaches an ASCII letter. go1.19 matched the
// first two (fold.go's equalFoldRight); go1.21+ folds with ToUpper(ToLower(r)) and matches all four.
const NON_ASCII_FOLDS: ReadonlyMap<number, string> = new Map([
  [0x212a, 'K'], // KELVIN SIGN
  [0x017f, 'S'], // LATIN SMALL LETTER LONG S
  [0x0130, 'I'], // LATIN CAPITAL LETTER I WITH DOT ABOVE (lowercases to i)
  [0x0131, 'I'], // LATIN SMALL LETTER DOTLESS I (uppercases to I)
]);

/** The key Go compares case-insensitively: equal folds mean the same struct field. */
export function goFold(key: string): string {
  let out = '';
  for (const ch of key) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp >= 0x61 && cp <= 0x7a) out += String.fromCharCode(cp - 0x20);
    else out += NON_ASCII_FOLDS.get(cp) ?? ch;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Go-style decoding into a known struct shape.

export type GoType =
  | { kind: 'string' }
  | { kind: 'bool' }
  | { kind: 'int' }
  | { kind: 'uint' }
  /** Docker's strslice.StrSlice: a string or an array of strings, replaced wholesale. */
  | { kind: 'strslice' }
  | { kind: 'slice'; elem: GoType }
  | { kind: 'ptr'; elem: GoType }
  | { kind: 'map'; elem: GoType }
  | { kind: 'struct'; fields: GoField[] }
  /** A known field whose value we do not judge: every occurrence is kept, in order, under its canonical name. */
  | { kind: 'opaque' };

export interface GoField {
  /** Go field name; the JSON name too unless `json` is given. */
  name: string;
  json?: string;
  type: GoType;
  /** An anonymous (embedded) struct or pointer-to-struct: its fields are promoted. */
  embedded?: boolean;
}

export type GoValue =
  | { kind: 'string'; value: string }
  | { kind: 'bool'; value: boolean }
  | { kind: 'number'; text: string }
  | { kind: 'nil' }
  | { kind: 'slice'; backing: GoValue[]; len: number }
  | { kind: 'ptr'; elem: GoValue }
  | { kind: 'map'; entries: Map<string, GoValue> }
  | { kind: 'struct'; fields: Map<string, GoValue>; unknown: JsonEntry[] }
  | { kind: 'opaque'; occurrences: JsonValue[] };

export const goTypes = {
  string: { kind: 'string' },
  bool: { kind: 'bool' },
  int: { kind: 'int' },
  uint: { kind: 'uint' },
  strslice: { kind: 'strslice' },
  opaque: { kind: 'opaque' },
  slice: (elem: GoType): GoType => ({ kind: 'slice', elem }),
  ptr: (elem: GoType): GoType => ({ kind: 'ptr', elem }),
  map: (elem: GoType): GoType => ({ kind: 'map', elem }),
  struct: (fields: GoField[]): GoType => ({ kind: 'struct', fields }),
} as const satisfies Record<string, GoType | ((t: GoType) => GoType) | ((f: GoField[]) => GoType)>;

/** The value Go's `var x T` holds. */
export function zeroValue(type: GoType): GoValue {
  switch (type.kind) {
    case 'string':
      return { kind: 'string', value: '' };
    case 'bool':
      return { kind: 'bool', value: false };
    case 'int':
    case 'uint':
      return { kind: 'number', text: '0' };
    case 'struct':
      return { kind: 'struct', fields: new Map(), unknown: [] };
    case 'opaque':
      return { kind: 'opaque', occurrences: [] };
    case 'strslice':
    case 'slice':
    case 'ptr':
    case 'map':
      return { kind: 'nil' };
  }
}

interface PromotedField {
  jsonName: string;
  /** Go field names from the outer struct down to the field. */
  path: string[];
  /** The types along `path`, same length. */
  types: GoType[];
  depth: number;
}

const promotedCache = new WeakMap<GoType, PromotedField[]>();

/** Go's typeFields: promoted fields of embedded structs, shallowest wins, ties at one depth cancel. */
export function promotedFields(type: GoType & { kind: 'struct' }): PromotedField[] {
  const cached = promotedCache.get(type);
  if (cached) return cached;
  const all: PromotedField[] = [];
  const walk = (fields: GoField[], path: string[], types: GoType[], depth: number): void => {
    for (const f of fields) {
      const inner = f.type.kind === 'ptr' ? f.type.elem : f.type;
      if (f.embedded && inner.kind === 'struct') {
        walk(inner.fields, [...path, f.name], [...types, f.type], depth + 1);
      } else {
        all.push({ jsonName: f.json ?? f.name, path: [...path, f.name], types: [...types, f.type], depth });
      }
    }
  };
  walk(type.fields, [], [], 0);
  const byName = new Map<string, PromotedField[]>();
  for (const f of all) byName.set(f.jsonName, [...(byName.get(f.jsonName) ?? []), f]);
  const result: PromotedField[] = [];
  for (const group of byName.values()) {
    const shallowest = Math.min(...group.map((f) => f.depth));
    const winners = group.filter((f) => f.depth === shallowest);
    if (winners.length === 1 && winners[0]) result.push(winners[0]);
  }
  promotedCache.set(type, result);
  return result;
}

/** The field Go's decoder picks for `key`: an exact name first, else a case-folded match. */
export function lookupField(type: GoType & { kind: 'struct' }, key: string): PromotedField | undefined {
  let index = fieldIndexCache.get(type);
  if (!index) {
    const exact = new Map<string, PromotedField>();
    const folded = new Map<string, PromotedField>();
    for (const f of promotedFields(type)) {
      if (!exact.has(f.jsonName)) exact.set(f.jsonName, f);
      const fold = goFold(f.jsonName);
      if (!folded.has(fold)) folded.set(fold, f);
    }
    index = { exact, folded };
    fieldIndexCache.set(type, index);
  }
  return index.exact.get(key) ?? index.folded.get(goFold(key));
}

const fieldIndexCache = new WeakMap<
  GoType,
  { exact: Map<string, PromotedField>; folded: Map<string, PromotedField> }
>();

class GoTypeError extends Error {}

/** Decodes `json` into a fresh zero value of `type`, as `json.Unmarshal(data, &x)` would. */
export function decodeGo(json: JsonValue, type: GoType, where = '$'): Result<GoValue> {
  return decodeGoInto(zeroValue(type), json, type, where);
}

/** Decodes `json` into an existing value, with Go's merge, last-wins and null rules. */
export function decodeGoInto(current: GoValue, json: JsonValue, type: GoType, where = '$'): Result<GoValue> {
  try {
    return { ok: true, value: into(current, json, type, where) };
  } catch (error) {
    if (error instanceof GoTypeError) return { ok: false, message: error.message };
    throw error;
  }
}

function typeError(json: JsonValue, type: GoType, where: string): never {
  throw new GoTypeError(`cannot decode JSON ${json.type} into ${type.kind} at ${where}`);
}

function into(current: GoValue, json: JsonValue, type: GoType, where: string): GoValue {
  if (type.kind === 'opaque') {
    return { kind: 'opaque', occurrences: [...(current.kind === 'opaque' ? current.occurrences : []), json] };
  }
  if (json.type === 'null') {
    // Go: null sets pointers, slices and maps (and strslice, via its UnmarshalJSON) to nil and
    // leaves every other kind untouched.
    if (type.kind === 'ptr' || type.kind === 'slice' || type.kind === 'map' || type.kind === 'strslice')
      return { kind: 'nil' };
    return current;
  }
  switch (type.kind) {
    case 'string':
      if (json.type !== 'string') typeError(json, type, where);
      return { kind: 'string', value: json.value };
    case 'bool':
      if (json.type !== 'boolean') typeError(json, type, where);
      return { kind: 'bool', value: json.value };
    case 'int':
    case 'uint':
      if (json.type !== 'number' || !integerFits(json.text, type.kind)) typeError(json, type, where);
      return { kind: 'number', text: json.text };
    case 'strslice':
      return strslice(json, where);
    case 'ptr': {
      const elem = current.kind === 'ptr' ? current.elem : zeroValue(type.elem);
      return { kind: 'ptr', elem: into(elem, json, type.elem, where) };
    }
    case 'slice':
      if (json.type !== 'array') typeError(json, type, where);
      return slice(current, json.items, type.elem, where);
    case 'map': {
      if (json.type !== 'object') typeError(json, type, where);
      // Map keys match exactly (no folding); each value decodes into a fresh zero element.
      const entries = new Map(current.kind === 'map' ? current.entries : []);
      for (const { key, value } of json.entries) {
        entries.delete(key); // keep Go's last-wins visible in the output order too
        entries.set(key, into(zeroValue(type.elem), value, type.elem, `${where}[${JSON.stringify(key)}]`));
      }
      return { kind: 'map', entries };
    }
    case 'struct': {
      if (json.type !== 'object') typeError(json, type, where);
      // One copy of the struct (and of each embedded one it reaches) per object decoded, filled in
      // place: copying it per key made an object of many keys quadratic (256 KiB took 30 s).
      const fresh = new Set<GoValue>();
      const base = current.kind === 'struct' ? current : zeroValue(type);
      if (base.kind !== 'struct') return base;
      const value = copyStruct(base, fresh);
      for (const { key, value: child } of json.entries) {
        const field = lookupField(type, key);
        if (!field) {
          value.unknown.push({ key, value: child });
          continue;
        }
        setPathInPlace(value, field.path, field.types, fresh, (old, leafType) => {
          const at = `${where}.${field.jsonName}`;
          if (leafType.kind !== 'opaque') return into(old, child, leafType, at);
          // A repeated opaque key adds an occurrence to the list this decode made, not to a copy.
          if (old.kind === 'opaque' && fresh.has(old)) {
            old.occurrences.push(child);
            return old;
          }
          return remember(fresh, into(old, child, leafType, at));
        });
      }
      return value;
    }
  }
}

function remember(fresh: Set<GoValue>, value: GoValue): GoValue {
  fresh.add(value);
  return value;
}

type GoStruct = GoValue & { kind: 'struct' };

function copyStruct(struct: GoStruct, fresh: Set<GoValue>): GoStruct {
  const copy: GoStruct = { kind: 'struct', fields: new Map(struct.fields), unknown: [...struct.unknown] };
  fresh.add(copy);
  return copy;
}

/** A struct to change in place: `struct` itself when this decode made it, else a copy. */
function own(struct: GoStruct, fresh: Set<GoValue>): GoStruct {
  return fresh.has(struct) ? struct : copyStruct(struct, fresh);
}

/**
 * Sets the value at `path` in a struct made by this decode (`fresh`), allocating embedded pointers on
 * the way as Go does. It and the embedded structs on the way are changed in place, each copied first
 * unless this decode made it: values the caller passed in stay as they were.
 */
function setPathInPlace(
  struct: GoStruct,
  path: string[],
  types: GoType[],
  fresh: Set<GoValue>,
  update: (old: GoValue, type: GoType) => GoValue,
): void {
  const [name, ...rest] = path;
  const [type, ...restTypes] = types;
  if (name === undefined || type === undefined) return;
  const old = struct.fields.get(name) ?? zeroValue(type);
  if (rest.length === 0) {
    struct.fields.set(name, update(old, type));
    return;
  }
  // An embedded struct, or pointer to one.
  if (type.kind === 'ptr') {
    const elem = old.kind === 'ptr' ? old.elem : zeroValue(type.elem);
    if (elem.kind !== 'struct') {
      struct.fields.set(name, { kind: 'ptr', elem });
      return;
    }
    const inner = own(elem, fresh);
    if (old.kind === 'ptr' && fresh.has(old)) old.elem = inner;
    else struct.fields.set(name, remember(fresh, { kind: 'ptr', elem: inner }));
    setPathInPlace(inner, rest, restTypes, fresh, update);
  } else if (old.kind === 'struct') {
    const inner = own(old, fresh);
    struct.fields.set(name, inner);
    setPathInPlace(inner, rest, restTypes, fresh, update);
  }
}

function strslice(json: JsonValue, where: string): GoValue {
  // docker's StrSlice.UnmarshalJSON: try []string (fresh), else a single string.
  if (json.type === 'string')
    return { kind: 'slice', backing: [{ kind: 'string', value: json.value }], len: 1 };
  if (json.type !== 'array') typeError(json, { kind: 'strslice' }, where);
  const backing = json.items.map((item, i): GoValue => {
    if (item.type === 'null') return { kind: 'string', value: '' };
    if (item.type !== 'string') typeError(item, { kind: 'string' }, `${where}[${i}]`);
    return { kind: 'string', value: item.value };
  });
  return { kind: 'slice', backing, len: backing.length };
}

/**
 * Go's decodeState.array for a slice: elements decode INTO the existing backing array (so a
 * struct element merges and a null element keeps what was there, even past the old length while
 * capacity lasts); growth copies only the live elements; an empty array makes a fresh empty slice.
 */
function slice(current: GoValue, items: JsonValue[], elemType: GoType, where: string): GoValue {
  let backing = current.kind === 'slice' ? [...current.backing] : [];
  let len = current.kind === 'slice' ? current.len : 0;
  let i = 0;
  for (const item of items) {
    if (i >= backing.length) {
      const newCap = Math.max(4, backing.length + Math.floor(backing.length / 2));
      const grown: GoValue[] = backing.slice(0, len);
      while (grown.length < newCap) grown.push(zeroValue(elemType));
      backing = grown;
    }
    if (i >= len) len = i + 1;
    backing[i] = into(backing[i] ?? zeroValue(elemType), item, elemType, `${where}[${i}]`);
    i++;
  }
  if (i < len) len = i;
  if (i === 0) return { kind: 'slice', backing: [], len: 0 };
  return { kind: 'slice', backing, len };
}

function integerFits(text: string, kind: 'int' | 'uint'): boolean {
  if (!/^-?[0-9]+$/.test(text)) return false;
  const n = BigInt(text);
  if (kind === 'uint') return !text.startsWith('-') && n <= 0xffffffffffffffffn;
  return n >= -(2n ** 63n) && n < 2n ** 63n;
}

/** Go's json.Marshal of the decoded value, except that opaque fields replay every occurrence. */
export function encodeGo(value: GoValue, type: GoType): JsonValue {
  switch (value.kind) {
    case 'string':
      return { type: 'string', value: value.value };
    case 'bool':
      return { type: 'boolean', value: value.value };
    case 'number':
      return { type: 'number', text: value.text };
    case 'nil':
      return { type: 'null' };
    case 'opaque':
      // A lone opaque value (outside a struct) can only replay its last occurrence.
      return value.occurrences.at(-1) ?? { type: 'null' };
    case 'ptr':
      return encodeGo(value.elem, type.kind === 'ptr' ? type.elem : type);
    case 'slice': {
      const elemType: GoType = type.kind === 'slice' ? type.elem : { kind: 'string' };
      return { type: 'array', items: value.backing.slice(0, value.len).map((v) => encodeGo(v, elemType)) };
    }
    case 'map': {
      const elemType: GoType = type.kind === 'map' ? type.elem : { kind: 'opaque' };
      return {
        type: 'object',
        entries: [...value.entries].map(([key, v]) => ({ key, value: encodeGo(v, elemType) })),
      };
    }
    case 'struct': {
      const entries: JsonEntry[] = [];
      if (type.kind === 'struct') encodeStructFields(value, type, entries);
      for (const entry of value.unknown) entries.push(entry);
      return { type: 'object', entries };
    }
  }
}

function encodeStructFields(
  value: GoValue & { kind: 'struct' },
  type: GoType & { kind: 'struct' },
  out: JsonEntry[],
): void {
  for (const field of type.fields) {
    const v = value.fields.get(field.name);
    if (v === undefined) continue;
    if (field.embedded) {
      const inner = field.type.kind === 'ptr' ? field.type.elem : field.type;
      const struct = v.kind === 'ptr' ? v.elem : v;
      if (inner.kind === 'struct' && struct.kind === 'struct') {
        encodeStructFields(struct, inner, out);
        for (const entry of struct.unknown) out.push(entry);
      }
      continue;
    }
    const key = field.json ?? field.name;
    if (v.kind === 'opaque') for (const occurrence of v.occurrences) out.push({ key, value: occurrence });
    else out.push({ key, value: encodeGo(v, field.type) });
  }
}
