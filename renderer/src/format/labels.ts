// Words for the history's codes. Pure.
import type { HistoryEntry, HistoryKind, HistoryReason } from '../../../shared/history-entry.js';

export const kindLabels: Record<HistoryKind, string> = {
  'socket-mount-denied': 'Socket mount denied',
  'command-blocked': 'Command blocked',
  'request-refused': 'Request refused',
};

export const reasonLabels: Record<HistoryReason, string> = {
  'not-allowed': 'Not on the image list',
  'digest-mismatch': 'Digest mismatch',
  'registry-unreachable': 'Registry unreachable',
  'local-only': 'Local-only image',
  'parent-missing': 'Parent image missing',
  'beyond-allowance': 'More of the host than allowed',
  'command-blocked': 'Command list',
  malformed: 'Malformed request',
};

export function requesterLabel(entry: HistoryEntry): string {
  return entry.requester.kind === 'host' ? 'Host' : entry.requester.name || entry.requester.id.slice(0, 12);
}

/** The request without the API version prefix, which says nothing to a person. */
export function requestLabel(entry: HistoryEntry): string {
  return `${entry.request.method} ${entry.request.uri.replace(/^\/v\d+(\.\d+)?(?=\/)/, '')}`;
}
