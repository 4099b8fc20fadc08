// GET /_ping on a socket over a fresh connection each time, every `intervalMs` while something else
// runs: the latency a host client sees while a filtered socket is attacked. A ping that is refused or
// times out counts as its timeout, so an unresponsive socket shows as slow, never as missing.
import net from 'node:net';

/** One GET /_ping on a new connection; milliseconds to the whole answer (timeoutMs if none). */
export function pingOnce(socketPath: string, timeoutMs = 5000): Promise<{ ms: number; ok: boolean }> {
  const start = performance.now();
  return new Promise((resolve) => {
    let text = '';
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ ms: ok ? performance.now() - start : timeoutMs, ok });
    };
    const socket = net.connect(socketPath, () =>
      socket.write('GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n'),
    );
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (/^HTTP\/1\.1 200 [^]*\r\n\r\nOK$/.test(text)) done(true);
    });
    socket.on('error', () => done(false));
    socket.on('close', () => done(/^HTTP\/1\.1 200 [^]*\r\n\r\nOK$/.test(text)));
  });
}

export interface PingSeries {
  /** Each ping's milliseconds, in order. */
  ms: number[];
  failed: number;
}

/** Pings every `intervalMs` (one at a time) until `until` settles; then returns the series. */
export async function pingWhile(
  socketPath: string,
  until: Promise<unknown>,
  intervalMs = 20,
): Promise<PingSeries> {
  let running = true;
  void until.finally(() => (running = false)).catch(() => undefined);
  const series: PingSeries = { ms: [], failed: 0 };
  while (running) {
    const { ms, ok } = await pingOnce(socketPath);
    series.ms.push(ms);
    if (!ok) series.failed += 1;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return series;
}
