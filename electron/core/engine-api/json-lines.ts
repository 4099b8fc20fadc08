// The engine streams progress and events as JSON objects one per line; a chunk may end mid-line.

/** Splits a byte stream into lines, handing each whole line on as it completes. */
export function lineSplitter(onLine: (line: string) => void): (chunk: Buffer) => void {
  let pending = '';
  return (chunk) => {
    pending += chunk.toString('utf8');
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
