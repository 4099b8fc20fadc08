// The engine streams progress and events as JSON objects one per line; a chunk may end mid-line, and
// mid-character: a UTF-8 sequence split across two reads must be joined before it is decoded.
import { StringDecoder } from 'node:string_decoder';

/** Splits a byte stream into lines, handing each whole line on as it completes. */
export function lineSplitter(onLine: (line: string) => void): (chunk: Buffer) => void {
  // Holds the first bytes of a character the chunk cut, until the next chunk completes it.
  const decoder = new StringDecoder('utf8');
  let pending = '';
  return (chunk) => {
    pending += decoder.write(chunk);
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) onLine(line);
  };
}

/** Reads a JSON-lines stream to its end, handing each parsed object on; lines that are not JSON are skipped. */
export async function readJsonLines(
  stream: AsyncIterable<unknown>,
  onValue: (value: unknown) => void,
): Promise<void> {
  const split = lineSplitter((line) => {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      return;
    }
    onValue(value);
  });
  for await (const chunk of stream) split(chunk as Buffer);
  split(Buffer.from('\n')); // a last line without its newline
}
