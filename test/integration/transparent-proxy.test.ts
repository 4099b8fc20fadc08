// The proxy must be invisible: every real client gets through it what it gets from the engine directly.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChunkedDecoder } from '../../electron/core/proxy/chunked-decoder.js';
import { exchangeUntilServerEnds, rawExchange, startProxy, type RunningProxy } from './proxy-harness.js';
import { docker, isPodman, loadStack } from './stack.js';

const stack = loadStack();
const direct = stack.dockerHost;
const P = 'swt-proxy';
let proxy: RunningProxy;
let work: string;

const sha256 = async (file: string): Promise<string> =>
  createHash('sha256')
    .update(await fs.readFile(file))
    .digest('hex');

interface TarEntry {
  /** The header's fields but mtime and checksum: name, mode, owner, size, type, link, magic, prefix. */
  header: string;
  mtime: number;
  /** sha256 of the entry's content. */
  content: string;
}

/** The entries of a ustar archive, in order; throws on a header whose checksum is wrong. */
async function tarEntries(file: string): Promise<TarEntry[]> {
  const data = await fs.readFile(file);
  const entries: TarEntry[] = [];
  const octal = (at: number, length: number): number =>
    parseInt(
      data
        .toString('latin1', at, at + length)
        .replace(/\0.*$/s, '')
        .trim() || '0',
      8,
    );
  for (let at = 0; at + 512 <= data.length;) {
    const block = data.subarray(at, at + 512);
    if (block.every((byte) => byte === 0)) break;
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0);
    if (sum !== octal(at + 148, 8)) throw new Error(`${file}: bad tar header checksum at ${at}`);
    const size = octal(at + 124, 12);
    const fields = [
      [0, 100],
      [100, 24],
      [124, 12],
      [156, 101],
      [257, 88],
      [345, 167],
    ].map(([from = 0, length = 0]) => block.toString('latin1', from, from + length));
    const start = at + 512;
    entries.push({
      header: JSON.stringify(fields),
      mtime: octal(at + 136, 12),
      content: createHash('sha256')
        .update(data.subarray(start, start + size))
        .digest('hex'),
    });
    at = start + Math.ceil(size / 512) * 512;
  }
  return entries;
}

async function ok(host: string, args: string[], input?: string): Promise<string> {
  const result = await docker(host, args, { input, timeoutMs: 180_000 });
  if (result.code !== 0)
    throw new Error(`docker ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
  return result.stdout;
}

beforeAll(async () => {
  proxy = await startProxy(stack.dockerSocket);
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'swt-proxy-'));
  await docker(direct, ['rm', '-f', `${P}-sleeper`, `${P}-logs`, `${P}-attach`, `${P}-events`, `${P}-cp`]);
});

afterAll(async () => {
  await docker(direct, ['rm', '-f', `${P}-sleeper`, `${P}-logs`, `${P}-attach`, `${P}-events`, `${P}-cp`]);
  await docker(direct, ['rmi', '-f', `${P}/built:1`, `${P}/big:1`, `${stack.registry}/${P}/busybox:1`]);
  await proxy?.close();
  await fs.rm(work, { recursive: true, force: true });
});

describe('the docker CLI through the proxy', () => {
  it('runs a foreground container with --rm and prints its output', async () => {
    const args = [
      'run',
      '--rm',
      '--network',
      'none',
      'sw-test/busybox',
      'sh',
      '-c',
      'echo out; echo err >&2; exit 3',
    ];
    const [a, b] = [await docker(direct, args), await docker(proxy.host, args)];
    expect(b).toEqual(a);
    // Podman answers `docker run --rm` with exit code 0 whatever the container exits with (directly as
    // through the proxy); without --rm it gives the container's code, and the proxy relays it.
    expect(b).toMatchObject({ code: isPodman() ? 0 : 3, stdout: 'out\n', stderr: 'err\n' });
    if (isPodman()) {
      for (const host of [direct, proxy.host]) {
        const name = `${P}-exit-${host === direct ? 'direct' : 'proxy'}`;
        const kept = await docker(host, ['run', '--name', name, ...args.slice(2)]);
        await docker(direct, ['rm', '-f', name]);
        expect(kept).toMatchObject({ code: 3, stdout: 'out\n', stderr: 'err\n' });
      }
    }
  });

  it('pipes stdin into `run -i` and ends when stdin ends', async () => {
    const input = 'line one\nline two\n'.repeat(1000);
    const out = await ok(
      proxy.host,
      ['run', '-i', '--rm', '--network', 'none', 'sw-test/busybox', 'cat'],
      input,
    );
    expect(out).toBe(input);
  });

  it('runs detached, lists, inspects, execs with stdin (half-close) and removes', async () => {
    const id = (
      await ok(proxy.host, [
        'run',
        '-d',
        '--name',
        `${P}-sleeper`,
        '--network',
        'none',
        'sw-test/busybox',
        'sleep',
        '300',
      ])
    ).trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const psArgs = ['ps', '--filter', `name=${P}-sleeper`, '--format', '{{.ID}} {{.Names}} {{.Status}}'];
    expect(await ok(proxy.host, psArgs)).toBe(await ok(direct, psArgs));
    expect(JSON.parse(await ok(proxy.host, ['inspect', `${P}-sleeper`]))).toEqual(
      JSON.parse(await ok(direct, ['inspect', `${P}-sleeper`])),
    );
    const echoed = await ok(proxy.host, ['exec', '-i', `${P}-sleeper`, 'cat'], 'hi through exec\n');
    expect(echoed).toBe('hi through exec\n');
    const counted = await ok(proxy.host, ['exec', '-i', `${P}-sleeper`, 'wc', '-c'], 'x'.repeat(3_000_000));
    expect(counted.trim()).toBe('3000000');
    await ok(proxy.host, ['rm', '-f', `${P}-sleeper`]);
    expect(await ok(direct, ['ps', '-aq', '--filter', `name=${P}-sleeper`])).toBe('');
  });

  it('attaches to a running container', async () => {
    await ok(direct, [
      'run',
      '-d',
      '--name',
      `${P}-attach`,
      '--network',
      'none',
      'sw-test/busybox',
      'sh',
      '-c',
      'sleep 2; echo attached-output',
    ]);
    const out = await docker(proxy.host, ['attach', `${P}-attach`]);
    expect(out.stdout).toBe('attached-output\n');
  });

  it('follows logs until the container exits', async () => {
    await ok(direct, [
      'run',
      '-d',
      '--name',
      `${P}-logs`,
      '--network',
      'none',
      'sw-test/busybox',
      'sh',
      '-c',
      'for i in 1 2 3 4; do echo line$i; sleep 0.3; done',
    ]);
    const out = await ok(proxy.host, ['logs', '-f', `${P}-logs`]);
    expect(out).toBe('line1\nline2\nline3\nline4\n');
    expect(await ok(proxy.host, ['logs', '--tail', '2', `${P}-logs`])).toBe(
      await ok(direct, ['logs', '--tail', '2', `${P}-logs`]),
    );
  });

  it('copies files both ways', async () => {
    const file = path.join(work, 'payload.bin');
    await fs.writeFile(file, randomBytes(20 * 1024 * 1024));
    await ok(direct, [
      'run',
      '-d',
      '--name',
      `${P}-cp`,
      '--network',
      'none',
      'sw-test/busybox',
      'sleep',
      '300',
    ]);
    await ok(proxy.host, ['cp', file, `${P}-cp:/tmp/payload.bin`]);
    await ok(direct, ['cp', `${P}-cp:/tmp/payload.bin`, path.join(work, 'back-direct.bin')]);
    expect(await sha256(path.join(work, 'back-direct.bin'))).toBe(await sha256(file));
    await ok(proxy.host, ['cp', `${P}-cp:/tmp/payload.bin`, path.join(work, 'back-proxy.bin')]);
    expect(await sha256(path.join(work, 'back-proxy.bin'))).toBe(await sha256(file));
  });

  it('relays a stream byte for byte to a client that keeps stalling (reused read buffers stay intact)', async () => {
    // The proxy reads into buffers it reuses; a client that stops reading leaves writes pending while the
    // engine keeps sending. Any overwritten byte would change the digest.
    const archive = `/containers/${P}-cp/archive?path=/tmp/payload.bin`;
    const read = (socketPath: string, stallEveryBytes: number): Promise<string> =>
      new Promise((resolve, reject) => {
        const socket = net.connect(socketPath);
        const received: Buffer[] = [];
        let sinceStall = 0;
        socket.on('connect', () =>
          socket.write(`GET ${archive} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`),
        );
        socket.on('data', (chunk: Buffer) => {
          received.push(chunk);
          sinceStall += chunk.length;
          if (stallEveryBytes > 0 && sinceStall >= stallEveryBytes) {
            sinceStall = 0;
            socket.pause();
            setTimeout(() => socket.resume(), 15);
          }
        });
        socket.on('end', () => {
          const reply = Buffer.concat(received);
          const end = reply.indexOf('\r\n\r\n');
          const head = reply.subarray(0, end).toString('latin1');
          let body = reply.subarray(end + 4);
          if (/transfer-encoding: chunked/i.test(head)) {
            const step = new ChunkedDecoder().push(body);
            body = step.kind === 'data' && step.done ? Buffer.concat(step.data) : Buffer.alloc(0);
          }
          resolve(createHash('sha256').update(body).digest('hex'));
        });
        socket.on('error', reject);
      });
    const [throughProxy, directly] = [
      await read(proxy.socketPath, 512 * 1024),
      await read(stack.dockerSocket, 0),
    ];
    expect(throughProxy).toBe(directly);
  });

  it('ends a keep-alive connection after a bulk download, its chunked body whole and as the engine framed it', async () => {
    // The proxy asks the engine to close after a `cp` out (bulk-download.ts) and relays the body to
    // that close unread: the client must still get every chunk and the last one, then the close (a
    // pipelined request after it goes unanswered, as HTTP allows after Connection: close).
    const archive = `/containers/${P}-cp/archive?path=/tmp/payload.bin`;
    const untilEnd = (socketPath: string, request: string): Promise<Buffer> =>
      new Promise((resolve, reject) => {
        const socket = net.connect(socketPath, () => socket.write(request));
        const received: Buffer[] = [];
        const timer = setTimeout(() => socket.destroy(new Error(`no end from ${socketPath}`)), 60_000);
        socket.on('data', (chunk: Buffer) => received.push(chunk));
        socket.on('end', () => {
          clearTimeout(timer);
          socket.destroy();
          resolve(Buffer.concat(received));
        });
        socket.on('error', reject);
      });
    const reply = await untilEnd(
      proxy.socketPath,
      `GET ${archive} HTTP/1.1\r\nHost: x\r\n\r\nGET /_ping HTTP/1.1\r\nHost: x\r\n\r\n`,
    );
    const end = reply.indexOf('\r\n\r\n');
    const head = reply.subarray(0, end).toString('latin1');
    expect(head).toMatch(/^HTTP\/1\.1 200 /);
    expect(head).toMatch(/\r\nConnection: close(\r\n|$)/i);
    expect(head).toMatch(/\r\nTransfer-Encoding: chunked(\r\n|$)/i);
    const step = new ChunkedDecoder().push(reply.subarray(end + 4));
    expect(step.kind === 'data' && step.done).toBe(true);
    // Nothing after the body: the pipelined /_ping was not answered.
    expect(step.kind === 'data' && step.done ? step.rest.length : -1).toBe(0);
    const body = step.kind === 'data' ? Buffer.concat(step.data) : Buffer.alloc(0);
    const directReply = await untilEnd(
      stack.dockerSocket,
      `GET ${archive} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    );
    const directStep = new ChunkedDecoder().push(directReply.subarray(directReply.indexOf('\r\n\r\n') + 4));
    const directBody = directStep.kind === 'data' ? Buffer.concat(directStep.data) : Buffer.alloc(1);
    expect(body.length).toBeGreaterThan(20 * 1024 * 1024);
    expect(createHash('sha256').update(body).digest('hex')).toBe(
      createHash('sha256').update(directBody).digest('hex'),
    );
  });

  it('builds with the legacy builder (streamed context, streamed output)', async () => {
    const ctx = path.join(work, 'ctx');
    await fs.mkdir(ctx, { recursive: true });
    await fs.writeFile(path.join(ctx, 'data.bin'), randomBytes(5 * 1024 * 1024));
    await fs.writeFile(
      path.join(ctx, 'Dockerfile'),
      'FROM sw-test/busybox\nCOPY data.bin /data.bin\nRUN echo built-step && wc -c /data.bin\n',
    );
    const out = await ok(proxy.host, ['build', '-t', `${P}/built:1`, ctx]);
    expect(out).toContain('built-step');
    expect(out).toContain('5242880 /data.bin');
    const inside = await ok(direct, [
      'run',
      '--rm',
      '--network',
      'none',
      `${P}/built:1`,
      'wc',
      '-c',
      '/data.bin',
    ]);
    expect(inside.trim()).toBe('5242880 /data.bin');
  });

  it('pushes to and pulls from the registry', async () => {
    const ref = `${stack.registry}/${P}/busybox:1`;
    await ok(direct, ['tag', 'sw-test/busybox', ref]);
    const pushed = await ok(proxy.host, ['push', ref]);
    const digest = /digest: (sha256:[0-9a-f]{64})/.exec(pushed)?.[1];
    expect(digest).toBeDefined();
    await ok(direct, ['rmi', ref]);
    const pulled = await ok(proxy.host, ['pull', ref]);
    // Podman's pull prints no Digest line; the RepoDigests below hold it on every engine.
    if (!isPodman()) expect(pulled).toContain(`Digest: ${digest}`);
    expect(await ok(proxy.host, ['image', 'inspect', '--format', '{{json .RepoDigests}}', ref])).toContain(
      digest,
    );
  });

  it('saves and loads a ~200 MB image byte for byte', async () => {
    const ctx = path.join(work, 'big');
    await fs.mkdir(ctx, { recursive: true });
    await fs.writeFile(
      path.join(ctx, 'Dockerfile'),
      'FROM sw-test/busybox\nRUN dd if=/dev/urandom of=/big bs=1048576 count=200 2>/dev/null\n',
    );
    await ok(direct, ['build', '-q', '-t', `${P}/big:1`, ctx]);
    const id = (await ok(direct, ['image', 'inspect', '--format', '{{.Id}}', `${P}/big:1`])).trim();
    const save = async (host: string, file: string): Promise<{ from: number; to: number }> => {
      const from = Math.floor(Date.now() / 1000);
      await ok(host, ['save', '-o', path.join(work, file), `${P}/big:1`]);
      return { from, to: Math.ceil(Date.now() / 1000) };
    };
    const directSave = await save(direct, 'direct.tar');
    const proxySave = await save(proxy.host, 'proxy.tar');
    const size = (await fs.stat(path.join(work, 'proxy.tar'))).size;
    expect(size).toBeGreaterThan(200 * 1024 * 1024);
    if (stack.engine === 'docker26') {
      // Docker 26's graph-driver save stamps the archive's blobs/sha256/ directory and index.json with
      // the time of the save, so two saves differ in those mtimes (and header checksums) alone. Every
      // other byte must match: each entry's name, mode, owner, type, size and content, and every other
      // mtime; the stamped ones must be times within their own save.
      const [viaProxy, viaEngine] = [
        await tarEntries(path.join(work, 'proxy.tar')),
        await tarEntries(path.join(work, 'direct.tar')),
      ];
      expect(viaProxy.map((e) => e.header)).toEqual(viaEngine.map((e) => e.header));
      expect(viaProxy.map((e) => e.content)).toEqual(viaEngine.map((e) => e.content));
      const within = (mtime: number, { from, to }: { from: number; to: number }): boolean =>
        mtime >= from && mtime <= to;
      viaProxy.forEach((entry, i) => {
        const other = viaEngine[i];
        if (!other || entry.mtime === other.mtime) return;
        expect(within(entry.mtime, proxySave) && within(other.mtime, directSave), entry.header).toBe(true);
      });
      expect(viaProxy.filter((e, i) => e.mtime !== viaEngine[i]?.mtime).length).toBeLessThanOrEqual(2);
    } else {
      expect(await sha256(path.join(work, 'proxy.tar'))).toBe(await sha256(path.join(work, 'direct.tar')));
    }
    await ok(direct, ['rmi', `${P}/big:1`]);
    const loaded = await ok(proxy.host, ['load', '-i', path.join(work, 'proxy.tar')]);
    expect(loaded).toContain(`${P}/big:1`);
    expect((await ok(direct, ['image', 'inspect', '--format', '{{.Id}}', `${P}/big:1`])).trim()).toBe(id);
  });

  it.runIf(isPodman())(
    'streams live events like the engine (Podman answers nothing to --since/--until)',
    async () => {
      const name = `${P}-events`;
      const args = ['events', '--filter', `container=${name}`, '--format', '{{.Status}}'];
      // Both streams follow the same container's life, and are cut once it is gone.
      const streams = [
        docker(direct, args, { timeoutMs: 15_000 }),
        docker(proxy.host, args, { timeoutMs: 15_000 }),
      ];
      await new Promise((resolve) => setTimeout(resolve, 2000));
      await ok(direct, ['run', '--name', name, '--network', 'none', 'sw-test/busybox', 'true']);
      await ok(direct, ['rm', name]);
      const [a, b] = (await Promise.all(streams)).map((result) => result.stdout);
      expect(b).toBe(a);
      expect(b?.split('\n')).toEqual(expect.arrayContaining(['create', 'start', 'die', 'remove']));
    },
  );

  it.skipIf(isPodman())('streams events with --since/--until like the engine', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    await ok(direct, ['run', '--name', `${P}-events`, '--network', 'none', 'sw-test/busybox', 'true']);
    await ok(direct, ['rm', `${P}-events`]);
    const until = Math.floor(Date.now() / 1000) + 1;
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const args = [
      'events',
      '--since',
      String(since),
      '--until',
      String(until),
      '--filter',
      `container=${P}-events`,
      '--format',
      '{{.Status}}',
    ];
    const [a, b] = [await ok(direct, args), await ok(proxy.host, args)];
    expect(b).toBe(a);
    expect(b.split('\n')).toEqual(expect.arrayContaining(['create', 'start', 'die', 'destroy']));
  });
});

describe('dockerode through the proxy', () => {
  it('lists, runs with an attached stream, and reads the version like the engine', async () => {
    const viaProxy = new Docker({ socketPath: proxy.socketPath });
    const viaEngine = new Docker({ socketPath: stack.dockerSocket });
    expect((await viaProxy.version()).ApiVersion).toBe((await viaEngine.version()).ApiVersion);
    const chunks: Buffer[] = [];
    const sink = new (await import('node:stream')).Writable({
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk);
        cb();
      },
    });
    const [result] = (await viaProxy.run('sw-test/busybox', ['sh', '-c', 'echo from-dockerode'], sink, {
      HostConfig: { AutoRemove: true, NetworkMode: 'none' },
    })) as [{ StatusCode: number }];
    expect(result.StatusCode).toBe(0);
    expect(Buffer.concat(chunks).toString()).toContain('from-dockerode');
    const names = (await viaProxy.listImages()).flatMap((image) => image.RepoTags ?? []);
    // Podman lists its images by their full names.
    expect(names).toContain(isPodman() ? 'docker.io/sw-test/busybox:latest' : 'sw-test/busybox:latest');
  });
});

describe('HTTP framing at the proxy (request smuggling)', () => {
  it('refuses Content-Length with Transfer-Encoding and forwards nothing', async () => {
    const name = `${P}-smuggled`;
    const body =
      '0\r\n\r\nPOST /containers/create?name=' +
      name +
      ' HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 27\r\n\r\n{"Image":"sw-test/busybox"}';
    const reply = await rawExchange(
      proxy.socketPath,
      `POST /_ping HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\n\r\n${body}`,
    );
    expect(reply).toMatch(/^HTTP\/1\.1 400 /);
    expect(reply).toContain(
      '"message":"socket-warden: malformed request: both Content-Length and Transfer-Encoding present"',
    );
    expect(reply.match(/HTTP\/1\.1/g)).toHaveLength(1);
    expect(await ok(direct, ['ps', '-aq', '--filter', `name=${name}`])).toBe('');
  });

  it('answers pipelined requests in order, each parsed on its own', async () => {
    // The last request closes the connection, which ends the exchange; the idle bound only covers an
    // engine that is slow to answer (Podman's /version takes over a second, more on a loaded machine).
    const reply = await rawExchange(
      proxy.socketPath,
      'GET /_ping HTTP/1.1\r\nHost: x\r\n\r\nGET /version HTTP/1.1\r\nHost: x\r\n\r\nHEAD /_ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      15_000,
    );
    const statuses = [...reply.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1]);
    expect(statuses).toEqual(['200', '200', '200']);
    expect(reply.indexOf('OK')).toBeLessThan(reply.indexOf('"ApiVersion"'));
  });

  it('treats bytes after a declared body as the next request, judged on its own', async () => {
    const reply = await rawExchange(
      proxy.socketPath,
      'POST /_ping HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nokGARBAGE /x HTTP/1.1\r\nHost: x\r\n\r\n',
    );
    const statuses = [...reply.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1]);
    expect(statuses[1]).toBe('405');
  });

  it('refuses oversized headers with 431', async () => {
    const reply = await rawExchange(
      proxy.socketPath,
      `GET /_ping HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(1_100_000)}\r\n\r\n`,
    );
    expect(reply).toMatch(/^HTTP\/1\.1 431 /);
  });

  it('decodes a chunked request body and re-frames it for the engine', async () => {
    const json = JSON.stringify({ Name: `${P}-chunked-vol` });
    const chunks = `${(10).toString(16)}\r\n${json.slice(0, 10)}\r\n${(json.length - 10).toString(16)};ext=1\r\n${json.slice(10)}\r\n0\r\n\r\n`;
    const reply = await rawExchange(
      proxy.socketPath,
      `POST /volumes/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${chunks}`,
    );
    expect(reply).toMatch(/^HTTP\/1\.1 201 /);
    expect(await ok(direct, ['volume', 'ls', '-q', '--filter', `name=${P}-chunked-vol`])).toBe(
      `${P}-chunked-vol\n`,
    );
    await ok(direct, ['volume', 'rm', `${P}-chunked-vol`]);
  });

  it('gives an HTTP/1.0 client a streamed (chunked) answer de-chunked, ended by closing', async () => {
    const now = Math.floor(Date.now() / 1000);
    // Docker streams past events chunked; Podman answers nothing to since/until, but sends its image
    // list chunked.
    const path10 = isPodman() ? '/images/json' : `/events?since=${now - 3600}&until=${now}`;
    // Both exchanges end when the server closes; the idle bound only covers a slow engine.
    const directReply = await rawExchange(
      stack.dockerSocket,
      `GET ${path10} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      15_000,
    );
    expect(directReply).toMatch(/Transfer-Encoding: chunked/i);
    const reply = await rawExchange(proxy.socketPath, `GET ${path10} HTTP/1.0\r\n\r\n`, 15_000);
    const [head, body] = reply.split('\r\n\r\n', 2) as [string, string];
    expect(head).toMatch(/^HTTP\/1\.1 200 /);
    expect(head).not.toMatch(/transfer-encoding/i);
    expect(head).toMatch(/\r\nConnection: close/);
    // No chunk-size lines: every line of the body is one JSON value (an event; Podman's image list).
    const lines = body.split('\n').filter((line) => line.length > 0);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
    if (isPodman()) expect((JSON.parse(body) as unknown[]).length).toBeGreaterThan(0);
  });

  it('passes on an answer the engine gives before the body is sent, then closes, and keeps serving', async () => {
    // The engine rejects a copy into a missing container without reading the (endless) body.
    const socket = net.connect(proxy.socketPath);
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => undefined);
    socket.write(
      `PUT /containers/${P}-missing/archive?path=/tmp HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-tar\r\nTransfer-Encoding: chunked\r\n\r\n`,
    );
    const piece = Buffer.alloc(64 * 1024, 0x61);
    const feeder = setInterval(() => {
      if (!socket.destroyed)
        socket.write(Buffer.concat([Buffer.from('10000\r\n'), piece, Buffer.from('\r\n')]));
    }, 5);
    await closed;
    clearInterval(feeder);
    const reply = Buffer.concat(received).toString('latin1');
    expect(reply).toMatch(/^HTTP\/1\.1 404 /);
    expect(reply).toMatch(/\r\nConnection: close/);
    // Docker's wording, and Podman's.
    expect(reply).toContain(
      isPodman()
        ? `no container with name or ID \\"${P}-missing\\" found`
        : `No such container: ${P}-missing`,
    );
    // The engine connection it used was mid-request: the next request must still be answered properly.
    expect(await ok(proxy.host, ['version', '--format', '{{.Server.APIVersion}}'])).toMatch(/^1\.\d+\n$/);
  });

  it('answers every pipelined request of a client that closes its side right after sending them', async () => {
    const reply = await exchangeUntilServerEnds(proxy.socketPath, (socket) =>
      socket.end(
        'GET /_ping HTTP/1.1\r\nHost: x\r\n\r\nGET /version HTTP/1.1\r\nHost: x\r\n\r\nHEAD /_ping HTTP/1.1\r\nHost: x\r\n\r\n',
      ),
    );
    expect([...reply.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1])).toEqual(['200', '200', '200']);
  });

  it('answers 400 when the client closes its side before its body ended (streamed or judged whole)', async () => {
    // A gate that reads every body whole, as the policy does for creates.
    const judging = await startProxy(stack.dockerSocket, {
      needsBody: () => true,
      decide: () => ({ kind: 'forward' }),
    });
    try {
      for (const socketPath of [proxy.socketPath, judging.socketPath]) {
        const reply = await exchangeUntilServerEnds(socketPath, (socket) => {
          socket.write(
            'POST /images/load?quiet=1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-tar\r\nContent-Length: 5000\r\n\r\n',
          );
          socket.write(Buffer.alloc(1000, 0x61));
          setTimeout(() => socket.end(), 100);
        });
        expect(reply).toMatch(/^HTTP\/1\.1 400 /);
        expect(reply).toContain('connection closed before the body ended');
      }
    } finally {
      await judging.close();
    }
  });

  it('serves the older 200 raw-stream hijack (no Upgrade header) with stdin', async () => {
    const id = (await ok(direct, ['run', '-d', '-i', '--network', 'none', 'sw-test/busybox', 'cat'])).trim();
    try {
      const reply = await rawExchange(
        proxy.socketPath,
        `POST /containers/${id}/attach?stream=1&stdin=1&stdout=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\nraw-stdin-echo\n`,
        2000,
      );
      expect(reply).toMatch(
        /^HTTP\/1\.1 200 OK\r\nContent-Type: application\/vnd\.docker\.(raw|multiplexed)-stream\r\n\r\n/,
      );
      expect(reply).toContain('raw-stdin-echo');
    } finally {
      await docker(direct, ['rm', '-f', id]);
    }
  });
});
