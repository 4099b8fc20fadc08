import { describe, expect, it } from 'vitest';
import { escapeForTerminal, jsonForTerminal } from './terminal-text.js';

describe('escapeForTerminal', () => {
  it.each([
    ['plain text', 'plain', 'plain'],
    ['non-ASCII letters and emoji', 'café 字 🐳', 'café 字 🐳'],
    ['a tab', 'tab\there', 'tab\\x09here'],
    ['ESC (cursor and screen control)', '\u001b[2J', '\\x1b[2J'],
    ['DEL', 'a\u007fb', 'a\\x7fb'],
    ['C1 CSI', '\u009b31m', '\\x9b31m'],
    ['right-to-left override', 'evil\u202egpj.exe', 'evil\\u202egpj.exe'],
    ['bidi isolates', '\u2066a\u2067b\u2068c\u2069', '\\u2066a\\u2067b\\u2068c\\u2069'],
    ['directional marks', '\u200ex\u200fy\u061c', '\\u200ex\\u200fy\\u061c'],
    ['zero-width space and joiner', 'a\u200bb\u200dc', 'a\\u200bb\\u200dc'],
    ['a byte-order mark', '\ufeffx', '\\ufeffx'],
    ['line and paragraph separators', 'a\u2028b\u2029c', 'a\\u2028b\\u2029c'],
    ['an astral format character (a tag)', 'x\u{e0001}', 'x\\u{e0001}'],
    ['a lone surrogate', 'x\udc00y', 'x\\udc00y'],
  ])('%s', (_, text, shown) => {
    expect(escapeForTerminal(text)).toBe(shown);
  });
});

describe('jsonForTerminal', () => {
  it.each([
    ['C0 controls (as JSON.stringify already does)', '\u001b[2J'],
    ['DEL and C1', '\u007f\u009b'],
    ['bidi controls', 'evil\u202egpj\u2066x\u2069'],
    ['an astral format character', 'x\u{e0001}'],
    ['ordinary text', 'café 🐳 "quoted" \\ back'],
  ])('keeps the value of %s and prints none of them raw', (_, text) => {
    const json = jsonForTerminal({ uri: text, list: [text] });
    expect(JSON.parse(json)).toEqual({ uri: text, list: [text] });
    expect(json).not.toMatch(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u);
  });
});
