import { describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../../../shared/history-entry.js';
import { csvField, toCsv } from './history-csv.js';

describe('CSV fields', () => {
  it.each([
    ['plain', 'plain'],
    ['', ''],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\rlf', '"cr\rlf"'],
    ['=HYPERLINK("x")', `"'=HYPERLINK(""x"")"`],
    ['+1', "'+1"],
    ['-1', "'-1"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['/v1.41/images/a/push?tag=1', '/v1.41/images/a/push?tag=1'],
  ])('%j is written as %j', (value, written) => {
    expect(csvField(value)).toBe(written);
  });
});

describe('CSV export', () => {
  const fromContainer: HistoryEntry = {
    id: 12,
    time: '2025-06-01T12:00:00.000Z',
    kind: 'command-blocked',
    requester: { kind: 'container', id: 'abc123', name: 'ci', image: 'docker:cli' },
    request: { method: 'POST', uri: '/v1.41/images/my,image/push?tag=latest' },
    image: 'docker.io/library/docker:cli',
    imageId: 'sha256:beef',
    reason: 'command-blocked',
    message: 'docker command "/v1.41/images/my,image/push?tag=latest" is blocked',
  };
  const fromHost: HistoryEntry = {
    id: 11,
    time: '2025-06-01T11:00:00.000Z',
    kind: 'socket-mount-denied',
    requester: { kind: 'host' },
    request: { method: 'POST', uri: '/v1.41/containers/create' },
    reason: 'not-allowed',
    message: 'denied',
  };

  it('writes a header and one CRLF row per entry, in the order given', () => {
    expect(toCsv([fromContainer, fromHost])).toBe(
      'id,time,kind,reason,requester,container_id,container_name,container_image,method,uri,image,image_id,message\r\n' +
        '12,2025-06-01T12:00:00.000Z,command-blocked,command-blocked,container,abc123,ci,docker:cli,POST,' +
        '"/v1.41/images/my,image/push?tag=latest",docker.io/library/docker:cli,sha256:beef,' +
        '"docker command ""/v1.41/images/my,image/push?tag=latest"" is blocked"\r\n' +
        '11,2025-06-01T11:00:00.000Z,socket-mount-denied,not-allowed,host,,,,POST,/v1.41/containers/create,,,denied\r\n',
    );
  });

  it('writes only the header for no entries', () => {
    expect(toCsv([]).split('\r\n')).toHaveLength(2);
  });
});
