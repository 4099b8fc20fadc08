import { describe, expect, it } from 'vitest';
import { lineSplitter, readJsonLines } from './json-lines.js';

/** Every way to cut `bytes` in two. */
function cutsOf(bytes: Buffer): Buffer[][] {
  const cuts: Buffer[][] = [];
  for (let at = 0; at <= bytes.length; at++) cuts.push([bytes.subarray(0, at), bytes.subarray(at)]);
  return cuts;
}

const lines = (chunks: Buffer[]): string[] => {
  const seen: string[] = [];
  const split = lineSplitter((line) => seen.push(line));
  for (const chunk of chunks) split(chunk);
  return seen;
};

describe('lineSplitter', () => {
  it.each([
    ['two bytes (é)', '{"status":"café"}\n'],
    ['three bytes (€)', '{"status":"5 €"}\n'],
    ['four bytes (a surrogate pair)', '{"status":"🐳 pulled"}\n'],
    ['several lines', '{"a":"ü"}\n{"b":"字"}\n'],
  ])('joins a character of %s split across chunks at any byte', (_, text) => {
    const expected = text.split('\n').filter(Boolean);
    for (const chunks of cutsOf(Buffer.from(text, 'utf8'))) {
      expect(lines(chunks)).toEqual(expected);
    }
  });

  it('joins a character split one byte per chunk', () => {
    const bytes = Buffer.from('{"id":"🐳"}\n', 'utf8');
    const chunks = [...bytes].map((byte) => Buffer.from([byte]));
    expect(lines(chunks)).toEqual(['{"id":"🐳"}']);
  });

  it('hands on whole lines only, skipping blank ones', () => {
    expect(lines([Buffer.from('{"a":1}\n\n  \n{"b"'), Buffer.from(':2}\n{"c"')])).toEqual([
      '{"a":1}',
      '{"b":2}',
    ]);
  });
});

describe('readJsonLines', () => {
  it('parses objects whose characters the stream cut, and a last line without a newline', async () => {
    const bytes = Buffer.from('{"status":"Téléchargé"}\nnot json\n{"id":"🐳"}', 'utf8');
    async function* stream(): AsyncGenerator<Buffer> {
      for (let at = 0; at < bytes.length; at += 3) yield bytes.subarray(at, at + 3);
    }
    const values: unknown[] = [];
    await readJsonLines(stream(), (value) => values.push(value));
    expect(values).toEqual([{ status: 'Téléchargé' }, { id: '🐳' }]);
  });
});
