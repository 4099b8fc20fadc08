// Every history entry is kept bounded, whatever a container sends: a denied request's target (up to
// the 1 MiB a head may hold) and the message quoting it are cut in the middle to a few KiB (around
// `...`), and the entry says which fields were cut and how long they were. Applied where the store takes an entry and
// where it reads one back, so a journal written before these bounds is bounded once opened.
import type { HistoryTruncation, NewHistoryEntry } from '../../../shared/history-entry.js';

/** Longest text kept per field, in UTF-16 code units. */
export const HISTORY_TEXT_LIMITS = {
  /** Enough for any request a person reads; a longer one is cut in the middle, keeping its query's end. */
  uri: 4096,
  /** Messages quote the target and end with advice: the middle goes, the advice stays. */
  message: 4096,
  /** Image references are at most ~500 characters (name 255, tag 128, digest 71). */
  image: 1024,
  imageId: 1024,
  requesterId: 1024,
  requesterName: 1024,
  requesterImage: 1024,
} as const satisfies Required<{ [field in keyof HistoryTruncation]: number }>;

/**
 * Three ASCII dots, not `…`: a request target is Latin-1, and one character outside Latin-1 makes V8
 * hold the whole string in two bytes per character, so a full history of cut entries took twice the
 * memory (and a flood of them twice the garbage). `truncated` says which fields were cut.
 */
const MARK = '...';

const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;
const isLowSurrogate = (code: number): boolean => code >= 0xdc00 && code <= 0xdfff;

/**
 * `text` when it fits in `limit`, else its start (three quarters) and end around `...`, `limit` long at
 * most; a surrogate pair is never split. Pure.
 */
export function cutMiddle(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const keep = limit - MARK.length;
  // No room for any of the text beside the mark (no real limit is this small).
  if (keep <= 0) return MARK.slice(0, Math.max(0, limit));
  let headEnd = Math.ceil((keep * 3) / 4);
  let tailStart = text.length - (keep - headEnd);
  if (headEnd > 0 && isHighSurrogate(text.charCodeAt(headEnd - 1))) headEnd -= 1;
  if (tailStart < text.length && isLowSurrogate(text.charCodeAt(tailStart))) tailStart += 1;
  return `${text.slice(0, headEnd)}${MARK}${text.slice(tailStart)}`;
}

/**
 * The entry with every text field within HISTORY_TEXT_LIMITS and `truncated` naming what was cut; the
 * same object when nothing had to be (so bounding a bounded entry changes nothing). Pure.
 */
export function boundHistoryEntry<T extends NewHistoryEntry>(entry: T): T {
  const cut: HistoryTruncation = {};
  const bound = (field: keyof HistoryTruncation, text: string): string => {
    const limit = HISTORY_TEXT_LIMITS[field];
    if (text.length <= limit) return text;
    cut[field] = text.length;
    return cutMiddle(text, limit);
  };
  const uri = bound('uri', entry.request.uri);
  const message = bound('message', entry.message);
  const image = entry.image === undefined ? undefined : bound('image', entry.image);
  const imageId = entry.imageId === undefined ? undefined : bound('imageId', entry.imageId);
  const requester =
    entry.requester.kind === 'host'
      ? entry.requester
      : {
          kind: entry.requester.kind,
          id: bound('requesterId', entry.requester.id),
          name: bound('requesterName', entry.requester.name),
          image: bound('requesterImage', entry.requester.image),
        };
  if (Object.keys(cut).length === 0) return entry;
  return {
    ...entry,
    request: { ...entry.request, uri },
    message,
    ...(image === undefined ? {} : { image }),
    ...(imageId === undefined ? {} : { imageId }),
    requester,
    truncated: { ...entry.truncated, ...cut },
  };
}
