import { describe, expect, it } from 'vitest';
import { StringPool } from './string-pool.js';

describe('StringPool', () => {
  it('gives the same number for the same text and the text back for the number', () => {
    const pool = new StringPool();
    const texts = ['', 'docker:cli', 'ünïcode ✓ "quoted"\nline', '😀 astral', 'docker:cli2'];
    const numbers = texts.map((text) => pool.intern(text));
    expect(new Set(numbers).size).toBe(texts.length);
    expect(texts.map((text) => pool.intern(text))).toEqual(numbers);
    expect(numbers.map((n) => pool.text(n))).toEqual(texts);
    expect(pool.size).toBe(texts.length);
  });

  it('keeps every text through growth and hash collisions', () => {
    const pool = new StringPool();
    const texts = Array.from({ length: 20_000 }, (_, i) => `sha256:${i.toString(16).padStart(64, '0')}`);
    texts.push('x'.repeat(200_000));
    const numbers = texts.map((text) => pool.intern(text));
    expect(numbers.map((n) => pool.text(n))).toEqual(texts);
    expect(texts.map((text) => pool.intern(text))).toEqual(numbers);
    expect(() => pool.text(texts.length)).toThrow(RangeError);
  });
});
