// A hostile client of a Socket Warden socket, for the engine-backed tests and the bench: each attack
// of docs/availability.md, with bounded counts and time, reporting what it saw as JSON. It imports node's own
// modules only, so a test can run it inside a container (node and this file bind-mounted) against
// the container's filtered socket:
//
//   node hostile-client.js half-heads <socket> <connections> <waitMs>
//   node hostile-client.js denied <socket> <requests> <concurrency> <targetBytes> <target with {fill}>
//   node hostile-client.js bodies <socket> <requests> <bodyBytes>
//   node hostile-client.js dense-bodies <socket> <requests> <bodyBytes>
import net from 'node:net';
import { fileURLToPath } from 'node:url';

/** How each connection ended: the status it was answered with, or `none` when closed unanswered. */
export interface AttackReport {
  attack: string;
  connections: number;
  /** Answers by status ("408", "429", …; "none": closed without one; "open": still open at the end). */
  outcomes: Record<string, number>;
  /** Milliseconds from the attack's start to the last connection's end. */
  lastEndMs: number;
  /** Milliseconds from its start to each answer's arrival, per status (first and last). */
  answeredMs: Record<string, { first: number; last: number }>;
}

interface Outcome {
  status: string;
  atMs: number;
}

const started = performance.now();
const now = (): number => performance.now() - started;

/**
 * Connects, sends `bytes` (chunks written in order, each after the previous was taken), keeps its side
 * open, and resolves with the status of what came back once the proxy closes (or `open` at `giveUpMs`).
 */
function attackOne(socketPath: string, chunks: () => Iterable<Buffer>, giveUpMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    let head = '';
    let answeredAt = -1;
    let settled = false;
    const settle = (status: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ status, atMs: answeredAt >= 0 ? answeredAt : now() });
    };
    const socket = net.connect(socketPath);
    const timer = setTimeout(() => settle(head ? statusOf(head) : 'open'), giveUpMs);
    socket.on('connect', () => {
      const pieces = chunks()[Symbol.iterator]();
      const write = (): void => {
        for (let next = pieces.next(); !next.done; next = pieces.next()) {
          if (socket.destroyed) return;
          if (!socket.write(next.value)) {
            socket.once('drain', write);
            return;
          }
        }
      };
      write();
    });
    socket.on('data', (chunk: Buffer) => {
      if (answeredAt < 0) answeredAt = now();
      if (head.length < 64) head += chunk.toString('latin1', 0, 64);
    });
    // The proxy closing (or refusing the rest of a body, EPIPE) ends the attempt with what it said.
    socket.on('close', () => settle(head ? statusOf(head) : 'none'));
    socket.on('error', () => undefined);
  });
}

function statusOf(head: string): string {
  return /^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 'garbage';
}

function report(attack: string, outcomes: Outcome[]): AttackReport {
  const counts: Record<string, number> = {};
  const answeredMs: AttackReport['answeredMs'] = {};
  for (const { status, atMs } of outcomes) {
    counts[status] = (counts[status] ?? 0) + 1;
    const seen = answeredMs[status];
    answeredMs[status] = seen
      ? { first: Math.min(seen.first, atMs), last: Math.max(seen.last, atMs) }
      : { first: atMs, last: atMs };
  }
  return {
    attack,
    connections: outcomes.length,
    outcomes: counts,
    lastEndMs: Math.max(0, ...outcomes.map((o) => o.atMs)),
    answeredMs,
  };
}

/** Runs `count` attempts, at most `concurrency` at a time. */
async function pool<T>(count: number, concurrency: number, one: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      results[i] = await one(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

/** `connections` connections at once, each sending half a head and then nothing. */
export async function halfHeads(
  socketPath: string,
  connections: number,
  waitMs: number,
): Promise<AttackReport> {
  const half = Buffer.from('GET /_ping HTTP/1.1\r\nHost: docker\r\nUser-Agent: half');
  const attempts: Promise<Outcome>[] = [];
  for (let i = 0; i < connections; i++) {
    // In waves, so the listen backlog (not the proxy) is never what refuses them.
    if (i % 100 === 99) await new Promise((resolve) => setTimeout(resolve, 10));
    attempts.push(attackOne(socketPath, () => [half], waitMs));
  }
  return report('half-heads', await Promise.all(attempts));
}

/** Requests whose target is `template` with `{fill}` replaced by `targetBytes` letters: all denied. */
export async function deniedRequests(
  socketPath: string,
  requests: number,
  concurrency: number,
  targetBytes: number,
  template: string,
): Promise<AttackReport> {
  const target = template.replace('{fill}', 'a'.repeat(targetBytes));
  const request = Buffer.from(`POST ${target} HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n`);
  const outcomes = await pool(requests, concurrency, () => attackOne(socketPath, () => [request], 60_000));
  return report('denied', outcomes);
}

/**
 * `requests` container creates at once with bodies of `bodyBytes`, half announced by Content-Length
 * and half chunked (so the limit is found while reading): the body a JSON object with one long string.
 */
export async function hugeBodies(
  socketPath: string,
  requests: number,
  bodyBytes: number,
): Promise<AttackReport> {
  const piece = Buffer.alloc(64 * 1024, 'x');
  function* body(chunked: boolean): Generator<Buffer> {
    const open = Buffer.from('{"Image":"socket-warden-bench/no-such-image:never","Env":["X=');
    const close = Buffer.from('"]}');
    const fill = bodyBytes - open.length - close.length;
    const frame = (data: Buffer): Buffer[] =>
      chunked ? [Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')] : [data];
    const head = chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${bodyBytes}`;
    yield Buffer.from(
      `POST /v1.41/containers/create HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\n${head}\r\n\r\n`,
    );
    yield* frame(open);
    for (let sent = 0; sent < fill; sent += piece.length)
      yield* frame(piece.subarray(0, Math.min(piece.length, fill - sent)));
    yield* frame(close);
    if (chunked) yield Buffer.from('0\r\n\r\n');
  }
  const outcomes = await pool(requests, requests, (i) =>
    attackOne(socketPath, () => body(i % 2 === 1), 60_000),
  );
  return report('bodies', outcomes);
}

/**
 * `requests` creates at once whose bodies are as costly to judge as a body of `bodyBytes` can be: an
 * array of a zero per two bytes, every one a JSON value the Go-compatible decoder builds.
 */
export async function denseBodies(
  socketPath: string,
  requests: number,
  bodyBytes: number,
): Promise<AttackReport> {
  const open = '{"Image":"socket-warden-bench/no-such-image:never","Junk":[0';
  const zeros = Math.max(0, Math.floor((bodyBytes - open.length - 2) / 2));
  const body = Buffer.from(`${open}${',0'.repeat(zeros)}]}`);
  const request = Buffer.concat([
    Buffer.from(
      `POST /v1.41/containers/create HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
    ),
    body,
  ]);
  const outcomes = await pool(requests, requests, () => attackOne(socketPath, () => [request], 120_000));
  return report('dense-bodies', outcomes);
}

async function main(argv: string[]): Promise<number> {
  const [attack, socketPath, ...rest] = argv;
  const numbers = rest.map(Number);
  let result: AttackReport;
  if (attack === 'half-heads' && socketPath && numbers.length === 2)
    result = await halfHeads(socketPath, numbers[0] ?? 0, numbers[1] ?? 0);
  else if (attack === 'denied' && socketPath && rest.length === 4)
    result = await deniedRequests(
      socketPath,
      numbers[0] ?? 0,
      numbers[1] ?? 1,
      numbers[2] ?? 0,
      rest[3] ?? '/',
    );
  else if (attack === 'bodies' && socketPath && numbers.length === 2)
    result = await hugeBodies(socketPath, numbers[0] ?? 0, numbers[1] ?? 0);
  else if (attack === 'dense-bodies' && socketPath && numbers.length === 2)
    result = await denseBodies(socketPath, numbers[0] ?? 0, numbers[1] ?? 0);
  else {
    process.stderr.write(
      'usage: hostile-client.js half-heads <socket> <connections> <waitMs> | denied <socket> <requests> <concurrency> <targetBytes> <target> | bodies|dense-bodies <socket> <requests> <bodyBytes>\n',
    );
    return 2;
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = await main(process.argv.slice(2));
