import { describe, expect, it } from 'vitest';
import { countJsonValues } from './json-values.js';

const count = (text: string, stopAfter?: number): number => countJsonValues(Buffer.from(text), stopAfter);

describe('countJsonValues', () => {
  it.each([
    ['a number', '0', 1],
    ['an empty object', '{}', 2],
    ['an object of two members', '{"a":1,"b":[2,3]}', 5],
    ['commas and brackets inside strings', '{"a":"x,[{y","b":"\\\\"}', 3],
    ['an escaped quote inside a string', '{"a":"\\",[,"}', 2],
    ['a create body', '{"Image":"alpine","Cmd":["sh","-c","echo hi"],"HostConfig":{"Binds":[]}}', 9],
  ])('%s: at most %s', (_, text, values) => {
    expect(count(text)).toBe(values);
    // Never fewer than JSON.parse builds (containers and scalars alike).
    expect(count(text)).toBeGreaterThanOrEqual(leaves(JSON.parse(text) as unknown));
  });

  it('stops counting past the bound', () => {
    expect(count(`[${'0,'.repeat(1000)}0]`, 10)).toBe(11);
  });

  it('counts a megabyte of zeros quickly', () => {
    const dense = Buffer.from(`[${'0,'.repeat(1 << 19)}0]`);
    const started = performance.now();
    expect(countJsonValues(dense)).toBe((1 << 19) + 2);
    expect(performance.now() - started).toBeLessThan(200);
  });
});

function leaves(value: unknown): number {
  if (Array.isArray(value)) return 1 + value.reduce((sum: number, item) => sum + leaves(item), 0);
  if (value && typeof value === 'object')
    return 1 + Object.values(value).reduce((sum: number, v) => sum + leaves(v), 0);
  return 1;
}
