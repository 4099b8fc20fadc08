// The denial history's record: one schema shared by the engine (which writes it), the CLI (which
// prints it) and the desktop app (which lists, filters and exports it). Types are inferred from it.
import { z } from 'zod';

/** What was denied. */
export const historyKindSchema = z.enum(['socket-mount-denied', 'command-blocked', 'request-refused']);
export type HistoryKind = z.infer<typeof historyKindSchema>;

/** Why, as a short code the app can filter on; `message` carries the full user-facing text. */
export const historyReasonSchema = z.enum([
  /** the image is not on the allow list */
  'not-allowed',
  /** the image's name is allowed but its digest is not the one the registry serves for that name */
  'digest-mismatch',
  /** the allowed digest could not be fetched, so the image could not be verified */
  'registry-unreachable',
  /** a local-only image that is not derived from an allowed one (or derived images are off) */
  'local-only',
  /** a derived image whose allowed parent is not present locally */
  'parent-missing',
  /** the command list blocks this request */
  'command-blocked',
  /** the request could not be parsed well enough to decide, so it was refused */
  'malformed',
  /** it would give a container more of the host than the requester may hand on (containment, host protection) */
  'beyond-allowance',
]);
export type HistoryReason = z.infer<typeof historyReasonSchema>;

/** Who sent the request: the host (a client on the guarded socket) or a container through its mounted socket. */
export const historyRequesterSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('host') }),
  z.object({
    kind: z.literal('container'),
    id: z.string().min(1),
    name: z.string(),
    image: z.string(),
  }),
]);
export type HistoryRequester = z.infer<typeof historyRequesterSchema>;

export const historyRequestSchema = z.object({
  method: z.string().min(1),
  /** The request target as received, e.g. `/v1.41/images/app/push?tag=1`. */
  uri: z.string(),
});
export type HistoryRequest = z.infer<typeof historyRequestSchema>;

/** Ids are a sequence persisted in the journal: increasing, never reused, even across restarts and clears. */
export const historyIdSchema = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
export type HistoryId = z.infer<typeof historyIdSchema>;

/**
 * The text fields the history cut to keep each entry bounded (a container chooses what it sends: a
 * request target may be a megabyte), each with its length before the cut, in UTF-16 code units. The
 * cut text keeps its start and its end around `...` (older journals have `…` there).
 */
export const historyTruncationSchema = z
  .object({
    uri: z.number().int().positive(),
    message: z.number().int().positive(),
    image: z.number().int().positive(),
    imageId: z.number().int().positive(),
    requesterId: z.number().int().positive(),
    requesterName: z.number().int().positive(),
    requesterImage: z.number().int().positive(),
  })
  .partial();
export type HistoryTruncation = z.infer<typeof historyTruncationSchema>;

export const newHistoryEntrySchema = z.object({
  kind: historyKindSchema,
  requester: historyRequesterSchema,
  request: historyRequestSchema,
  /** The image as named, normalized (`docker.io/library/docker:cli`). */
  image: z.string().optional(),
  /** The local image id (`sha256:…`), when known. */
  imageId: z.string().optional(),
  reason: historyReasonSchema,
  /** The text the requester was sent (cut in the middle when it was very long: see `truncated`). */
  message: z.string(),
  /** Present when a field was cut; absent on an entry kept whole. */
  truncated: historyTruncationSchema.optional(),
  /** `would-deny`: recorded in report-only mode, and forwarded; absent: denied. */
  outcome: z.enum(['denied', 'would-deny']).optional(),
});
export type NewHistoryEntry = z.infer<typeof newHistoryEntrySchema>;

export const historyEntrySchema = newHistoryEntrySchema.extend({
  id: historyIdSchema,
  time: z.iso.datetime(),
});
export type HistoryEntry = z.infer<typeof historyEntrySchema>;

/** A page of history, newest first. */
export const historyQuerySchema = z.object({
  limit: z.number().int().positive(),
  /** Only entries older than this id (the next page after the last one shown). */
  before: historyIdSchema.optional(),
  /** Case-insensitive substring over the text fields (message, image, request, requester, reason). */
  search: z.string().optional(),
  kind: historyKindSchema.optional(),
  reason: historyReasonSchema.optional(),
});
export type HistoryQuery = z.infer<typeof historyQuerySchema>;
