import { describe, expect, it } from 'vitest';
import type { HistoryEntry, HistoryQuery } from './history-entry.js';
import { queryHistory } from './history-query.js';

function entry(id: number, overrides: Partial<HistoryEntry> = {}): HistoryEntry {
  return {
    id,
    time: new Date(Date.UTC(2025, 0, 1, 0, 0, id)).toISOString(),
    kind: 'socket-mount-denied',
    requester: { kind: 'host' },
    request: { method: 'POST', uri: '/v1.41/containers/create' },
    image: 'docker.io/library/docker:cli',
    reason: 'not-allowed',
    message: 'socket mount denied',
    ...overrides,
  };
}

const oldestFirst: HistoryEntry[] = [
  entry(1),
  entry(2, {
    kind: 'command-blocked',
    reason: 'command-blocked',
    requester: { kind: 'container', id: 'abc123def456', name: 'ci-runner', image: 'docker:cli' },
    request: { method: 'POST', uri: '/v1.41/images/myimage/push?tag=latest' },
    message: 'docker command "/v1.41/images/myimage/push?tag=latest" is blocked',
  }),
  entry(3, { reason: 'digest-mismatch', image: 'docker.io/testcontainers/ryuk:0.5.1' }),
  entry(4, {
    kind: 'request-refused',
    reason: 'malformed',
    image: undefined,
    request: { method: 'GET', uri: '/%zz' },
  }),
  entry(5, { imageId: 'sha256:0123abcd' }),
];

const ids = (query: HistoryQuery): number[] => queryHistory(oldestFirst, query).map((e) => e.id);

describe('history queries', () => {
  it.each<[string, HistoryQuery, number[]]>([
    ['everything, newest first', { limit: 100 }, [5, 4, 3, 2, 1]],
    ['the newest few', { limit: 2 }, [5, 4]],
    ['the page before an id', { limit: 2, before: 4 }, [3, 2]],
    ['the last page', { limit: 2, before: 2 }, [1]],
    ['one kind', { limit: 100, kind: 'command-blocked' }, [2]],
    ['one reason', { limit: 100, reason: 'digest-mismatch' }, [3]],
    ['text in the message', { limit: 100, search: 'IS BLOCKED' }, [2]],
    ['a container name', { limit: 100, search: 'ci-run' }, [2]],
    ['a container id', { limit: 100, search: 'abc123' }, [2]],
    ['who, as the table shows it', { limit: 100, search: 'Container CI-runner' }, [2]],
    ['an image', { limit: 100, search: 'ryuk' }, [3]],
    ['an image id', { limit: 100, search: 'sha256:0123' }, [5]],
    ['a request method and path', { limit: 100, search: 'get /%zz' }, [4]],
    ['the host', { limit: 100, search: 'host' }, [5, 4, 3, 1]],
    ['a reason code', { limit: 100, search: 'malformed' }, [4]],
    ['a blank search matches all', { limit: 100, search: '  ' }, [5, 4, 3, 2, 1]],
    ['nothing', { limit: 100, search: 'no such text' }, []],
    ['filters combined with paging', { limit: 1, before: 5, kind: 'socket-mount-denied' }, [3]],
  ])('select %s', (_name, query, expected) => {
    expect(ids(query)).toEqual(expected);
  });
});
