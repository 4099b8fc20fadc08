// A bounded GET of the Engine API on a unix socket, for install and status: they ask a few things of
// whatever answers (the engine, or Socket Warden in front of it) and must not hang on a stuck socket.
import http from 'node:http';

export function engineGet(socketPath: string, path: string, timeoutMs = 5000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const request = http.get(
      { socketPath, path, timeout: timeoutMs, headers: { Host: 'docker' } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if ((response.statusCode ?? 0) >= 300) {
            // statusCode as the engine client's errors carry it (a 404 is an answer: unlessNotFound).
            const error = new Error(`${path}: HTTP ${response.statusCode}: ${text.trim().slice(0, 200)}`);
            reject(Object.assign(error, { statusCode: response.statusCode }));
            return;
          }
          try {
            resolve(JSON.parse(text) as unknown);
          } catch {
            reject(new Error(`${path}: not JSON: ${text.slice(0, 80)}`));
          }
        });
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', reject);
  });
}
