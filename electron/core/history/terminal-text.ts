// History text comes from containers (request targets, names, images), so what the CLI prints of it
// must not reach the terminal as it is: control characters can move the cursor or rewrite the screen
// (ESC, the C1 CSI), and bidi controls (U+202E, U+2066…) or invisible format characters can make a
// line read differently from what it holds. All are shown as visible escapes instead.

// Cc: C0, DEL, C1. Cf: bidi embeddings, overrides and isolates, marks, zero-width and other format
// characters. Zl, Zp: line and paragraph separators. Cs: lone surrogates (not text at all).
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

function hex(code: number, digits: number): string {
  return code.toString(16).padStart(digits, '0');
}

/** `\x1b`, `\u202e`, `\u{e0001}`: unsafe characters as escapes a reader sees. */
export function escapeForTerminal(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.codePointAt(0) ?? 0;
    if (code < 0x100) return `\\x${hex(code, 2)}`;
    if (code < 0x10000) return `\\u${hex(code, 4)}`;
    return `\\u{${hex(code, 1)}}`;
  });
}

/**
 * JSON text holding the same values, with every unsafe character as a `\uXXXX` escape (JSON.stringify
 * escapes only C0 controls and lone surrogates; it leaves DEL, C1 and bidi controls raw).
 */
export function jsonForTerminal(value: unknown): string {
  return JSON.stringify(value).replace(UNSAFE, (c) => {
    let escaped = '';
    for (let i = 0; i < c.length; i++) escaped += `\\u${hex(c.charCodeAt(i), 4)}`;
    return escaped;
  });
}
