import { describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../../../shared/history-entry.js';
import { formatHistoryTable } from './history-table.js';

const entries: HistoryEntry[] = [
  {
    id: 2,
    time: '2025-06-01T12:00:05.123Z',
    kind: 'command-blocked',
    requester: { kind: 'container', id: '0123456789abcdef', name: 'ci', image: 'docker:cli' },
    request: { method: 'POST', uri: '/v1.41/images/app/push?tag=1' },
    image: 'docker.io/library/docker:cli',
    reason: 'command-blocked',
    message: 'blocked',
  },
  {
    id: 1,
    time: '2025-06-01T12:00:00.000Z',
    kind: 'socket-mount-denied',
    requester: { kind: 'host' },
    request: { method: 'POST', uri: '/v1.41/containers/create' },
    reason: 'not-allowed',
    message: 'denied',
  },
];

describe('history table', () => {
  it('shows id, time, who, image, request and reason in aligned columns', () => {
    expect(formatHistoryTable(entries)).toBe(
      [
        'ID   TIME                   WHO            IMAGE                          REQUEST                             REASON',
        '2    2025-06-01 12:00:05Z   container ci   docker.io/library/docker:cli   POST /v1.41/images/app/push?tag=1   command-blocked',
        '1    2025-06-01 12:00:00Z   host           -                              POST /v1.41/containers/create       not-allowed',
        '',
      ].join('\n'),
    );
  });

  it('names an unnamed container by its short id', () => {
    const unnamed: HistoryEntry = {
      ...entries[0]!,
      requester: { kind: 'container', id: '0123456789abcdef', name: '', image: 'x' },
    };
    expect(formatHistoryTable([unnamed])).toContain('container 0123456789ab ');
  });

  it('shortens a long request with an ellipsis', () => {
    const long: HistoryEntry = { ...entries[1]!, request: { method: 'GET', uri: `/${'a'.repeat(200)}` } };
    const row = formatHistoryTable([long]).split('\n')[1]!;
    expect(row).toContain(`GET /${'a'.repeat(58)}…`);
  });

  it('never sends control characters from a request to the terminal', () => {
    const hostile: HistoryEntry = { ...entries[1]!, request: { method: 'GET', uri: '/\u001b[2J\u0007x' } };
    const table = formatHistoryTable([hostile]);
    expect(table).toContain('GET /\\x1b[2J\\x07x');
    expect(table).not.toContain('\u001b');
    expect(table).not.toContain('\u0007');
  });

  it.each([
    ['request', (text: string): HistoryEntry => ({ ...entries[1]!, request: { method: 'GET', uri: text } })],
    ['image', (text: string): HistoryEntry => ({ ...entries[1]!, image: text })],
    [
      'container name',
      (text: string): HistoryEntry => ({
        ...entries[0]!,
        requester: { kind: 'container', id: '0123456789abcdef', name: text, image: 'x' },
      }),
    ],
  ])('shows bidi controls in a %s escaped, so a line cannot read as something else', (_, entry) => {
    const table = formatHistoryTable([entry('/x\u202eevil\u2066')]);
    expect(table).toContain('/x\\u202eevil\\u2066');
    expect(table).not.toMatch(/[\u202e\u2066]/);
  });
});
