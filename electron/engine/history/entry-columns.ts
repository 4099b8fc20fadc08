// The newest entries of the history, held the compact way: numbers in typed arrays, text interned
// in a string pool, messages as interned templates. A full history of 10,000 entries as plain
// objects costs ~9 MB of heap (each entry is six objects and a dozen strings); held like this it
// is a fraction of that. Entries are made into objects only when asked for.
import {
  historyEntrySchema,
  historyKindSchema,
  historyReasonSchema,
  type HistoryEntry,
  type HistoryId,
  type HistoryKind,
  type HistoryReason,
} from '../../../shared/history-entry.js';
import type { HistorySource } from './history-query.js';
import { fillMessageTemplate, messageTemplate } from './message-template.js';
import { StringPool } from './string-pool.js';

const KINDS: readonly HistoryKind[] = historyKindSchema.options;
const REASONS: readonly HistoryReason[] = historyReasonSchema.options;
const KIND_CODES = new Map(KINDS.map((kind, code) => [kind, code]));
const REASON_CODES = new Map(REASONS.map((reason, code) => [reason, code]));

// Bits of a slot's flags.
const FROM_CONTAINER = 1 << 0;
const HAS_IMAGE = 1 << 1;
const HAS_IMAGE_ID = 1 << 2;
const MESSAGE_IS_TEMPLATE = 1 << 3;
/** Checked against the schema, with the verdict in SCHEMA_FAILED. */
const SCHEMA_CHECKED = 1 << 4;
const SCHEMA_FAILED = 1 << 5;

// A slot's strings, as pool numbers, `TEXT_FIELDS` apart in `texts`.
const REQUESTER_ID = 0;
const REQUESTER_NAME = 1;
const REQUESTER_IMAGE = 2;
const METHOD = 3;
const URI = 4;
const IMAGE = 5;
const IMAGE_ID = 6;
const MESSAGE = 7;
const TEXT_FIELDS = 8;

const INITIAL_CAPACITY = 64;

/** The values a message template stands in for, in a fixed order. */
function templateValues(uri: string, image: string, requesterImage: string): string[] {
  return [uri, image, requesterImage];
}

/**
 * The newest `maxEntries` entries, oldest first, in a ring that grows up to `maxEntries` slots:
 * once it is full, each push drops the oldest.
 */
export class EntryColumns implements HistorySource {
  private pool = new StringPool();
  private capacity = 0;
  /** Slot of the oldest entry. */
  private start = 0;
  private size = 0;
  /** Entries pushed since the pool was last rebuilt that dropped an older one. */
  private overwritten = 0;
  private ids = new Float64Array(0);
  private times = new Float64Array(0);
  private kinds = new Uint8Array(0);
  private reasons = new Uint8Array(0);
  private flags = new Uint8Array(0);
  private texts = new Uint32Array(0);
  /** Times that Date#toISOString does not give back exactly (another precision), by entry id. */
  private readonly oddTimes = new Map<HistoryId, string>();

  constructor(readonly maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1)
      throw new RangeError(`maxEntries must be ≥ 1: ${maxEntries}`);
  }

  get length(): number {
    return this.size;
  }

  /** Pushes a newer entry than all held, which the caller has checked against the schema. */
  push(entry: HistoryEntry): void {
    if (this.size === this.capacity && this.capacity < this.maxEntries) this.grow();
    let slot: number;
    if (this.size === this.capacity) {
      slot = this.start;
      this.oddTimes.delete(this.ids[slot] ?? 0);
      this.start = (this.start + 1) % this.capacity;
      this.overwritten += 1;
    } else {
      slot = (this.start + this.size) % this.capacity;
      this.size += 1;
    }
    this.write(slot, entry);
  }

  idAt(index: number): HistoryId {
    return this.ids[this.slotOf(index)] ?? 0;
  }

  kindAt(index: number): HistoryKind {
    return KINDS[this.kinds[this.slotOf(index)] ?? 0] ?? 'socket-mount-denied';
  }

  reasonAt(index: number): HistoryReason {
    return REASONS[this.reasons[this.slotOf(index)] ?? 0] ?? 'not-allowed';
  }

  /** Index of the entry with this id, or -1. Ids increase along the ring. */
  indexOf(id: HistoryId): number {
    let low = 0;
    let high = this.size - 1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      const at = this.idAt(mid);
      if (at === id) return mid;
      if (at < id) low = mid + 1;
      else high = mid - 1;
    }
    return -1;
  }

  /** The entry at `index` (0 is the oldest) as it was pushed, not checked. */
  entryAt(index: number): HistoryEntry {
    const slot = this.slotOf(index);
    const flags = this.flags[slot] ?? 0;
    const text = (field: number): string => this.pool.text(this.texts[slot * TEXT_FIELDS + field] ?? 0);
    const requesterImage = flags & FROM_CONTAINER ? text(REQUESTER_IMAGE) : '';
    const uri = text(URI);
    const image = flags & HAS_IMAGE ? text(IMAGE) : undefined;
    const id = this.ids[slot] ?? 0;
    const message = text(MESSAGE);
    // Keys in the order the schema gives them, as entries read from the journal had them.
    return {
      kind: KINDS[this.kinds[slot] ?? 0] ?? 'socket-mount-denied',
      requester:
        flags & FROM_CONTAINER
          ? { kind: 'container', id: text(REQUESTER_ID), name: text(REQUESTER_NAME), image: requesterImage }
          : { kind: 'host' },
      request: { method: text(METHOD), uri },
      ...(image === undefined ? {} : { image }),
      ...(flags & HAS_IMAGE_ID ? { imageId: text(IMAGE_ID) } : {}),
      reason: REASONS[this.reasons[slot] ?? 0] ?? 'not-allowed',
      message:
        flags & MESSAGE_IS_TEMPLATE
          ? fillMessageTemplate(message, templateValues(uri, image ?? '', requesterImage))
          : message,
      id,
      time: this.oddTimes.get(id) ?? new Date(this.times[slot] ?? 0).toISOString(),
    };
  }

  /**
   * The entry at `index` when it passes the schema, else undefined. What is pushed was checked
   * already; this is the guarantee that nothing else is ever handed out. Verdicts are kept.
   */
  checkedEntryAt(index: number): HistoryEntry | undefined {
    const slot = this.slotOf(index);
    const flags = this.flags[slot] ?? 0;
    if (flags & SCHEMA_CHECKED) return flags & SCHEMA_FAILED ? undefined : this.entryAt(index);
    const entry = this.entryAt(index);
    const passed = historyEntrySchema.safeParse(entry).success;
    this.flags[slot] = flags | SCHEMA_CHECKED | (passed ? 0 : SCHEMA_FAILED);
    return passed ? entry : undefined;
  }

  clear(): void {
    this.pool = new StringPool();
    this.oddTimes.clear();
    this.capacity = 0;
    this.start = 0;
    this.size = 0;
    this.overwritten = 0;
    this.allocate(0);
  }

  /**
   * Drops the strings only entries pushed out of the ring used, once there are as many of those
   * as entries held (so rebuilding costs O(1) per push); `force` does it whenever any were dropped.
   */
  repack(force = false): void {
    if (this.overwritten === 0 || (!force && this.overwritten < this.size)) return;
    const entries = Array.from({ length: this.size }, (_, i) => this.entryAt(i));
    const verdicts = Array.from({ length: this.size }, (_, i) => this.flags[this.slotOf(i)] ?? 0);
    this.clear();
    entries.forEach((entry, i) => {
      this.push(entry);
      const slot = this.slotOf(i);
      this.flags[slot] = (this.flags[slot] ?? 0) | ((verdicts[i] ?? 0) & (SCHEMA_CHECKED | SCHEMA_FAILED));
    });
  }

  private slotOf(index: number): number {
    if (index < 0 || index >= this.size) throw new RangeError(`no entry at ${index}`);
    return (this.start + index) % this.capacity;
  }

  private write(slot: number, entry: HistoryEntry): void {
    this.ids[slot] = entry.id;
    const ms = Date.parse(entry.time);
    if (Number.isFinite(ms) && new Date(ms).toISOString() === entry.time) {
      this.times[slot] = ms;
    } else {
      this.times[slot] = 0;
      this.oddTimes.set(entry.id, entry.time);
    }
    this.kinds[slot] = KIND_CODES.get(entry.kind) ?? 0;
    this.reasons[slot] = REASON_CODES.get(entry.reason) ?? 0;
    const base = slot * TEXT_FIELDS;
    const set = (field: number, text: string): void => {
      this.texts[base + field] = this.pool.intern(text);
    };
    let flags = 0;
    let requesterImage = '';
    if (entry.requester.kind === 'container') {
      flags |= FROM_CONTAINER;
      requesterImage = entry.requester.image;
      set(REQUESTER_ID, entry.requester.id);
      set(REQUESTER_NAME, entry.requester.name);
      set(REQUESTER_IMAGE, requesterImage);
    }
    set(METHOD, entry.request.method);
    set(URI, entry.request.uri);
    if (entry.image !== undefined) {
      flags |= HAS_IMAGE;
      set(IMAGE, entry.image);
    }
    if (entry.imageId !== undefined) {
      flags |= HAS_IMAGE_ID;
      set(IMAGE_ID, entry.imageId);
    }
    const template = messageTemplate(
      entry.message,
      templateValues(entry.request.uri, entry.image ?? '', requesterImage),
    );
    if (template !== undefined) flags |= MESSAGE_IS_TEMPLATE;
    set(MESSAGE, template ?? entry.message);
    this.flags[slot] = flags;
  }

  private grow(): void {
    const capacity = Math.min(this.maxEntries, Math.max(INITIAL_CAPACITY, this.capacity * 2));
    const order = Array.from({ length: this.size }, (_, i) => this.slotOf(i));
    const old = { ids: this.ids, times: this.times, kinds: this.kinds, reasons: this.reasons };
    const oldFlags = this.flags;
    const oldTexts = this.texts;
    this.allocate(capacity);
    order.forEach((from, to) => {
      this.ids[to] = old.ids[from] ?? 0;
      this.times[to] = old.times[from] ?? 0;
      this.kinds[to] = old.kinds[from] ?? 0;
      this.reasons[to] = old.reasons[from] ?? 0;
      this.flags[to] = oldFlags[from] ?? 0;
      this.texts.set(oldTexts.subarray(from * TEXT_FIELDS, (from + 1) * TEXT_FIELDS), to * TEXT_FIELDS);
    });
    this.start = 0;
    this.capacity = capacity;
  }

  private allocate(capacity: number): void {
    this.ids = new Float64Array(capacity);
    this.times = new Float64Array(capacity);
    this.kinds = new Uint8Array(capacity);
    this.reasons = new Uint8Array(capacity);
    this.flags = new Uint8Array(capacity);
    this.texts = new Uint32Array(capacity * TEXT_FIELDS);
  }
}
