// Whether a value parsed from the journal is a history entry: the checks of historyEntrySchema,
// written out. Opening reads 10,000 lines, and running zod over each one costs time and leaves
// garbage behind; this allocates nothing. The schema stays the authority: the store checks every
// entry with zod again before handing it out, and a test holds the two to the same verdicts.
import {
  historyEntrySchema,
  historyKindSchema,
  historyReasonSchema,
  type HistoryEntry,
} from '../../../shared/history-entry.js';

const KINDS: ReadonlySet<string> = new Set(historyKindSchema.options);
const REASONS: ReadonlySet<string> = new Set(historyReasonSchema.options);
const timeSchema = historyEntrySchema.shape.time;

/** `Date#toISOString` output with a four-digit year, which the schema's datetime always accepts. */
const CANONICAL_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

function isTime(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  // Nearly every time is one the store wrote: checked without zod when it round-trips exactly.
  if (CANONICAL_TIME.test(value) && new Date(value).toISOString() === value) return true;
  return timeSchema.safeParse(value).success;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isOptionalString(value: unknown): boolean {
  return value === undefined || typeof value === 'string';
}

function isNonEmptyString(value: unknown): boolean {
  return typeof value === 'string' && value.length > 0;
}

function isRequester(value: unknown): boolean {
  if (!isObject(value)) return false;
  if (value.kind === 'host') return true;
  return (
    value.kind === 'container' &&
    isNonEmptyString(value.id) &&
    typeof value.name === 'string' &&
    typeof value.image === 'string'
  );
}

/** True when historyEntrySchema would accept `value` (its output then drops any unknown keys). */
export function isHistoryEntry(value: unknown): value is HistoryEntry {
  if (!isObject(value)) return false;
  const { id, time, kind, reason, requester, request, image, imageId, message } = value;
  return (
    typeof id === 'number' &&
    Number.isSafeInteger(id) &&
    id >= 1 &&
    typeof kind === 'string' &&
    KINDS.has(kind) &&
    typeof reason === 'string' &&
    REASONS.has(reason) &&
    isRequester(requester) &&
    isObject(request) &&
    isNonEmptyString(request.method) &&
    typeof request.uri === 'string' &&
    isOptionalString(image) &&
    isOptionalString(imageId) &&
    typeof message === 'string' &&
    isTime(time)
  );
}
