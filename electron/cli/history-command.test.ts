import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { historyEntrySchema, type NewHistoryEntry } from '../../shared/history-entry.js';
import { runHistoryCommand } from './history-command.js';
import { HistoryStore, historyDirIn } from '../core/history/history-store.js';

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

const pushBlocked: NewHistoryEntry = {
  kind: 'command-blocked',
  requester: { kind: 'container', id: '0123456789abcdef', name: 'ci', image: 'docker:cli' },
  request: { method: 'POST', uri: '/v1.41/images/app/push?tag=1' },
  image: 'docker.io/library/docker:cli',
  reason: 'command-blocked',
  message: 'socket warden: docker command "/v1.41/images/app/push?tag=1" is blocked',
};
const mountDenied: NewHistoryEntry = {
  kind: 'socket-mount-denied',
  requester: { kind: 'host' },
  request: { method: 'POST', uri: '/v1.41/containers/create' },
  image: 'docker.io/library/alpine:latest',
  reason: 'not-allowed',
  message: 'socket warden: docker socket mount denied',
};

let dataDir: string;
let writer: HistoryStore;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'sw-history-cmd-'));
  // Written by a store that stays open, as `serve` would keep it while the command runs.
  writer = await HistoryStore.open(historyDirIn(dataDir));
  await writer.append(mountDenied);
  await writer.append(pushBlocked);
});
afterEach(async () => {
  await writer.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('socket-warden history', () => {
  it('prints a table, newest first, while serve holds the history open', async () => {
    const out = capture();
    expect(await runHistoryCommand({ dataDir, json: false, out: out.stream })).toBe(0);
    const lines = out.text().trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^ID\s+TIME\s+WHO\s+IMAGE\s+REQUEST\s+REASON$/);
    expect(lines[1]).toMatch(
      /^2\s.*container ci\s+docker\.io\/library\/docker:cli\s+POST \/v1\.41\/images\/app\/push\?tag=1\s+command-blocked$/,
    );
    expect(lines[2]).toMatch(
      /^1\s.*host\s+docker\.io\/library\/alpine:latest\s+POST \/v1\.41\/containers\/create\s+not-allowed$/,
    );
  });

  it('prints JSON entries that match the shared schema', async () => {
    const out = capture();
    expect(await runHistoryCommand({ dataDir, json: true, out: out.stream })).toBe(0);
    const printed = historyEntrySchema.array().parse(JSON.parse(out.text()));
    expect(printed.map(({ id, message }) => ({ id, message }))).toEqual([
      { id: 2, message: pushBlocked.message },
      { id: 1, message: mountDenied.message },
    ]);
  });

  it.each([false, true])(
    'never prints bidi or control characters from a container as they are (json: %s)',
    async (json) => {
      const uri = '/v1.41/x\u202eevil\u2066\u009b2J\u001b';
      await writer.append({ ...pushBlocked, request: { method: 'POST', uri } });
      const out = capture();
      expect(await runHistoryCommand({ dataDir, json, out: out.stream })).toBe(0);
      for (const raw of ['\u202e', '\u2066', '\u009b', '\u001b']) expect(out.text()).not.toContain(raw);
      if (json)
        expect((JSON.parse(out.text()) as Array<{ request: { uri: string } }>)[0]?.request.uri).toBe(uri);
      else expect(out.text()).toContain('/v1.41/x\\u202eevil\\u2066\\x9b2J\\x1b');
    },
  );

  it('prints only the newest entries with a limit', async () => {
    const out = capture();
    await runHistoryCommand({ dataDir, json: true, limit: 1, out: out.stream });
    expect((JSON.parse(out.text()) as Array<{ id: number }>).map((e) => e.id)).toEqual([2]);
  });

  it('says so when nothing was denied, including in a data dir never used', async () => {
    const empty = join(dataDir, 'never-served');
    const table = capture();
    const json = capture();
    expect(await runHistoryCommand({ dataDir: empty, json: false, out: table.stream })).toBe(0);
    expect(await runHistoryCommand({ dataDir: empty, json: true, out: json.stream })).toBe(0);
    expect(table.text()).toBe('No denials recorded.\n');
    expect(json.text()).toBe('[]\n');
  });

  it('rejects a limit that is not a positive whole number', async () => {
    const out = capture();
    const err = capture();
    expect(
      await runHistoryCommand({ dataDir, json: false, limit: 0, out: out.stream, err: err.stream }),
    ).toBe(2);
    expect(err.text()).toContain('--limit');
    expect(out.text()).toBe('');
  });
});
