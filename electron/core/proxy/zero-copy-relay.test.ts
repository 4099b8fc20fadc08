// The splice relay between real unix sockets: exact lengths, the input's end handed back to Node,
// framing skipped and emitted, canonical chunks followed by the relay itself, order with what Node wrote before, backpressure, and errors. Skipped,
// saying why, where the addon is not built (the proxy then relays in JS, which its own tests cover).
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SpliceRelay, zeroCopy, type SpliceEvents, type SplicePlan } from './zero-copy-relay.js';

/**
 * Both ends of a connected unix socket pair: `near` is the one the relay uses. It reads through
 * `onread`, as the proxy's sockets do (so pausing it stops its reads at once), re-emitting copies as
 * 'data' for the test.
 */
interface Pair {
  near: net.Socket;
  far: net.Socket;
}

let dir = '';
let count = 0;
const sockets: net.Socket[] = [];
const relays: SpliceRelay[] = [];

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sw-splice-'));
  return () => fs.rm(dir, { recursive: true, force: true });
});

afterEach(() => {
  for (const relay of relays.splice(0)) relay.close();
  for (const socket of sockets.splice(0)) socket.destroy();
});

async function pair(): Promise<Pair> {
  const socketPath = path.join(dir, `${count++}.sock`);
  const server = net.createServer({ allowHalfOpen: true });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  const accepted = once(server, 'connection') as Promise<[net.Socket]>;
  const near: net.Socket = net.connect({
    path: socketPath,
    allowHalfOpen: true,
    onread: {
      buffer: Buffer.alloc(65536),
      callback: (bytes, buffer) => {
        near.emit('data', Buffer.from(buffer.subarray(0, bytes)));
        return true;
      },
    },
  });
  await once(near, 'connect');
  const [far] = await accepted;
  server.close();
  sockets.push(near, far);
  return { near, far };
}

/** Everything `socket` receives until its end. */
async function received(socket: net.Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  await once(socket, 'end');
  return Buffer.concat(chunks);
}

type Outcome =
  { kind: 'done' } | { kind: 'ended'; left: number } | { kind: 'failed'; side: string; code?: string };

/** A relay from `input.near` to `output.near` whose outcome is awaited. */
function relay(
  input: Pair,
  output: Pair,
  next?: (waiting: Buffer, chunkEnded: boolean) => SplicePlan | null,
): { relay: SpliceRelay; outcome: Promise<Outcome> } {
  let settle: (outcome: Outcome) => void = () => undefined;
  const outcome = new Promise<Outcome>((resolve) => (settle = resolve));
  const events: SpliceEvents = {
    ...(next ? { next } : {}),
    done: () => settle({ kind: 'done' }),
    ended: (left) => settle({ kind: 'ended', left }),
    failed: (error, side) => settle({ kind: 'failed', side, ...(error.code ? { code: error.code } : {}) }),
  };
  const opened = SpliceRelay.open(input.near, output.near, events);
  if (!opened) throw new Error('the relay did not open');
  relays.push(opened);
  return { relay: opened, outcome };
}

const digest = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

function pattern(size: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 2654435761) >>> 24;
  return bytes;
}

describe.skipIf(!zeroCopy.available)(`the splice relay (${zeroCopy.detail})`, () => {
  it('moves exactly the bytes planned and leaves what follows to Node', async () => {
    const input = await pair();
    const output = await pair();
    const body = pattern(3 << 20);
    input.far.write(Buffer.concat([body, Buffer.from('NEXT')]));
    const { relay: splice, outcome } = relay(input, output);
    const arriving = received(output.far);
    splice.start({ move: body.length, last: true });
    expect(await outcome).toEqual({ kind: 'done' });
    expect(splice.moved).toBe(body.length);
    splice.close();
    output.near.end();
    expect(digest(await arriving)).toBe(digest(body));
    input.near.resume();
    const [rest] = (await once(input.near, 'data')) as [Buffer];
    expect(rest.toString()).toBe('NEXT');
  });

  it("moves everything to the input's end, which Node then reads itself (half-close)", async () => {
    const input = await pair();
    const output = await pair();
    const body = pattern(1 << 20);
    const { relay: splice, outcome } = relay(input, output);
    const arriving = received(output.far);
    splice.start({ move: 'all', last: true });
    input.far.end(body);
    expect(await outcome).toEqual({ kind: 'ended', left: Infinity });
    splice.close();
    const ended = once(input.near, 'end');
    input.near.resume();
    await ended;
    output.near.end();
    expect(digest(await arriving)).toBe(digest(body));
    // The other direction stays open: half-close.
    input.near.write('still here');
    const [back] = (await once(input.far, 'data')) as [Buffer];
    expect(back.toString()).toBe('still here');
  });

  it('reports an input that ends before the plan, with what is left', async () => {
    const input = await pair();
    const output = await pair();
    const { relay: splice, outcome } = relay(input, output);
    splice.start({ move: 1000, last: true });
    input.far.end(Buffer.alloc(600));
    expect(await outcome).toEqual({ kind: 'ended', left: 400 });
  });

  it('skips and emits framing as the planner says, asking it on the bytes that wait', async () => {
    const input = await pair();
    const output = await pair();
    // Lines of "<size>\n<data>"; the output gets "[<data>]" for each, and the relay stops at size 0.
    const seen: string[] = [];
    const { relay: splice, outcome } = relay(input, output, (waiting) => {
      seen.push(waiting.toString('latin1'));
      const newline = waiting.indexOf(0x0a);
      if (newline < 0) return { move: 0, last: false };
      const size = Number(waiting.subarray(0, newline).toString());
      if (size === 0) return { skip: newline + 1, emit: Buffer.from('!'), move: 0, last: true };
      return { skip: newline + 1, emit: Buffer.from(seen.length > 1 ? '][' : '['), move: size, last: false };
    });
    const arriving = received(output.far);
    splice.start({ move: 0, last: false });
    input.far.write('5\nhello');
    await new Promise((resolve) => setTimeout(resolve, 20));
    input.far.write('3\nabc0\nafter');
    expect(await outcome).toEqual({ kind: 'done' });
    splice.close();
    output.near.end();
    expect((await arriving).toString()).toBe('[hello][abc!');
    input.near.resume();
    const [rest] = (await once(input.near, 'data')) as [Buffer];
    expect(rest.toString()).toBe('after');
  });

  // A chunked stream after a first chunk's data: the relay follows the canonical framing (CRLF,
  // lowercase hex without leading zeros, CRLF) by itself, and asks the planner at any other. Docker
  // flushes each chunk's CRLF alone (`loneCrlf`): the relay moves a CRLF on as soon as it sees it, and
  // reads the size line after it; the planner is told when it did (its look starts after the CRLF).
  const framings: { name: string; lines: string[]; loneCrlf: boolean; asked: string[]; followed: number }[] =
    [
      {
        name: "Docker's 32 KiB chunks",
        lines: Array<string>(20).fill('8000'),
        loneCrlf: false,
        asked: ['(CRLF moved) 0'],
        followed: 20,
      },
      {
        name: "Docker's 32 KiB chunks, each CRLF flushed alone",
        lines: Array<string>(20).fill('8000'),
        loneCrlf: true,
        asked: ['(CRLF moved) 0'],
        followed: 20,
      },
      {
        name: 'other spellings among them',
        lines: ['8000', 'A000', '8000', '08000', 'fff', '8000;x=y', '8000 ', '1'],
        loneCrlf: false,
        asked: ['A000', '08000', '8000;x=y', '8000 ', '0'].map((line) => `(CRLF moved) ${line}`),
        followed: 4,
      },
      {
        name: 'other spellings after CRLFs flushed alone',
        lines: ['8000', 'A000', '8000', '08000', '8000;x=y', '1'],
        loneCrlf: true,
        asked: ['(CRLF moved) A000', '(CRLF moved) 08000', '(CRLF moved) 8000;x=y', '(CRLF moved) 0'],
        followed: 3,
      },
      {
        // Small chunks relay better through JS, many per read: after 8 in a row the planner decides.
        name: 'a run of small chunks',
        lines: [...Array<string>(12).fill('10'), '8000'],
        loneCrlf: false,
        asked: ['10', '(CRLF moved) 0'],
        followed: 12,
      },
    ];
  for (const { name, lines, loneCrlf, asked, followed } of framings)
    it(`follows canonical chunks by itself, asking the planner at any other framing: ${name}`, async () => {
      const input = await pair();
      const output = await pair();
      const first = pattern(5000);
      // What the engine writes at once: with lone CRLFs, each one is a write of its own.
      const writes: Buffer[][] = [[first]];
      const crlf = Buffer.from('\r\n');
      for (const line of lines) {
        if (loneCrlf) writes.push([crlf], [Buffer.from(`${line}\r\n`), pattern(parseInt(line, 16))]);
        else (writes.at(-1) as Buffer[]).push(Buffer.from(`\r\n${line}\r\n`), pattern(parseInt(line, 16)));
      }
      if (loneCrlf) writes.push([crlf], [Buffer.from('0\r\n\r\n')]);
      else (writes.at(-1) as Buffer[]).push(Buffer.from('\r\n0\r\n\r\n'));
      const wire = Buffer.concat(writes.flat());
      const seen: string[] = [];
      const { relay: splice, outcome } = relay(input, output, (waiting, chunkEnded) => {
        const text = (chunkEnded ? '\r\n' : '') + waiting.toString('latin1');
        const framing = /^\r\n([^\r]*)\r\n/.exec(text);
        if (!framing) throw new Error(`the planner was shown ${JSON.stringify(text)}`);
        const line = framing[1] as string;
        seen.push(chunkEnded ? `(CRLF moved) ${line}` : line);
        const framingBytes = framing[0].length - (chunkEnded ? 2 : 0);
        const size = parseInt(line, 16);
        if (size === 0) return { move: framingBytes + 2, last: true };
        return { move: framingBytes + size, last: false, chunks: true };
      });
      const arriving = received(output.far);
      splice.start({ move: first.length, last: false, chunks: true });
      for (const write of writes) {
        input.far.write(Buffer.concat(write));
        // Each write arrives on its own (the relay looks between them).
        if (loneCrlf) await new Promise((resolve) => setTimeout(resolve, 2));
      }
      expect(await outcome).toEqual({ kind: 'done' });
      expect(seen).toEqual(asked);
      expect(splice.followed).toBe(followed);
      splice.close();
      output.near.end();
      expect(digest(await arriving)).toBe(digest(wire));
    });

  it('asks the planner after each plan when it did not say the move ends a chunk', async () => {
    const input = await pair();
    const output = await pair();
    const wire = Buffer.concat([
      Buffer.from('ab\r\n8000\r\n'),
      pattern(0x8000),
      Buffer.from('\r\n0\r\n\r\n'),
    ]);
    const seen: string[] = [];
    const { relay: splice, outcome } = relay(input, output, (waiting) => {
      seen.push(waiting.subarray(0, 8).toString('latin1'));
      return waiting.toString('latin1').startsWith('\r\n0')
        ? { move: 7, last: true }
        : { move: 8 + 0x8000, last: false };
    });
    const arriving = received(output.far);
    input.far.write(wire);
    splice.start({ move: 2, last: false });
    expect(await outcome).toEqual({ kind: 'done' });
    expect(seen).toEqual(['\r\n8000\r\n', '\r\n0\r\n\r\n']);
    expect(splice.followed).toBe(0);
    splice.close();
    output.near.end();
    expect(digest(await arriving)).toBe(digest(wire));
  });

  it('writes after what Node wrote to the output before it started', async () => {
    const input = await pair();
    const output = await pair();
    const { relay: splice, outcome } = relay(input, output);
    const arriving = received(output.far);
    output.near.cork();
    output.near.write('HEAD ');
    input.far.write('BODY');
    splice.start({ move: 4, last: true });
    process.nextTick(() => output.near.uncork());
    expect(await outcome).toEqual({ kind: 'done' });
    splice.close();
    output.near.end();
    expect((await arriving).toString()).toBe('HEAD BODY');
  });

  it('holds the input while the output is full, and loses nothing', async () => {
    const input = await pair();
    const output = await pair();
    const body = pattern(32 << 20);
    const { relay: splice, outcome } = relay(input, output);
    splice.start({ move: body.length, last: true });
    output.far.pause();
    const accepted = input.far.write(body);
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Socket buffers and the pipe hold a few MiB at most: the rest waits in the writer.
    expect(accepted).toBe(false);
    expect(splice.moved).toBeLessThan(16 << 20);
    expect(input.far.writableLength).toBeGreaterThan(8 << 20);
    const arriving = received(output.far);
    output.far.resume();
    expect(await outcome).toEqual({ kind: 'done' });
    splice.close();
    output.near.end();
    expect(digest(await arriving)).toBe(digest(body));
  });

  it('fails on the write side when the output is gone', async () => {
    const input = await pair();
    const output = await pair();
    const { relay: splice, outcome } = relay(input, output);
    output.far.destroy();
    await new Promise((resolve) => setTimeout(resolve, 20));
    splice.start({ move: 'all', last: true });
    input.far.write(pattern(1 << 20));
    const result = await outcome;
    expect(result).toMatchObject({ kind: 'failed', side: 'write' });
    expect(['EPIPE', 'ECONNRESET']).toContain((result as { code?: string }).code);
  });

  it('lets go of both sockets when Node closes one, so the peer sees the close', async () => {
    const input = await pair();
    const output = await pair();
    const { relay: splice } = relay(input, output);
    splice.start({ move: 'all', last: true });
    const farEnded = once(output.far, 'end');
    output.near.destroy();
    await farEnded;
    expect(splice.closed).toBe(true);
  });
});

describe('without the addon', () => {
  it('says why zero-copy is off, or where the addon came from', () => {
    expect(zeroCopy.detail.length).toBeGreaterThan(0);
    if (process.env.SW_REQUIRE_NATIVE === '1') expect(zeroCopy.available).toBe(true);
  });
});
