// Interned strings for the history held in memory: images, container ids and names, methods and
// message templates repeat across thousands of denials, so each distinct text is kept once and
// entries refer to it by number. The texts live as UTF-8 in one buffer outside the JS heap, found
// again through a hash table in a typed array: strings kept on the heap while a full journal is
// read survive the young generation's collections, and V8 answers that by growing it, which
// costs several MB of resident memory that it keeps after the load is over.

const INITIAL_BYTES = 64 * 1024;
const INITIAL_SLOTS = 1024;

/** FNV-1a over UTF-16 code units; any spread-out hash will do. */
function hashOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export class StringPool {
  private bytes = Buffer.alloc(INITIAL_BYTES);
  private usedBytes = 0;
  /** Where string n starts in `bytes`; it ends where n + 1 starts. */
  private starts = new Uint32Array(INITIAL_SLOTS + 1);
  private count = 0;
  /** Open addressing: n + 1 per occupied slot, 0 for free. Kept at most half full. */
  private table = new Int32Array(INITIAL_SLOTS * 2);
  private hashes = new Uint32Array(INITIAL_SLOTS);

  /** The number standing for `text`, the same every time for the same text. */
  intern(text: string): number {
    const hash = hashOf(text);
    // Written past the end first: kept if new, compared against if a candidate turns up.
    this.reserve(text.length * 3);
    const length = this.bytes.write(text, this.usedBytes, 'utf8');
    const mask = this.table.length - 1;
    let slot = hash & mask;
    for (;;) {
      const found = this.table[slot] ?? 0;
      if (found === 0) break;
      const n = found - 1;
      if (this.hashes[n] === hash && this.equalsPending(n, length)) return n;
      slot = (slot + 1) & mask;
    }
    const n = this.count;
    if (n >= this.hashes.length) this.growIndex();
    this.hashes[n] = hash;
    this.usedBytes += length;
    this.count += 1;
    this.starts[this.count] = this.usedBytes;
    this.table[slot] = n + 1;
    if (this.count * 2 > this.table.length) this.rehash(this.table.length * 2);
    return n;
  }

  text(n: number): string {
    if (!Number.isInteger(n) || n < 0 || n >= this.count) throw new RangeError(`no string ${n} in the pool`);
    return this.bytes.toString('utf8', this.starts[n], this.starts[n + 1]);
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held outside the heap, for measurements. */
  get externalBytes(): number {
    return this.bytes.length + this.starts.byteLength + this.table.byteLength + this.hashes.byteLength;
  }

  private equalsPending(n: number, length: number): boolean {
    const start = this.starts[n] ?? 0;
    const end = this.starts[n + 1] ?? 0;
    return (
      end - start === length &&
      this.bytes.compare(this.bytes, this.usedBytes, this.usedBytes + length, start, end) === 0
    );
  }

  private reserve(extra: number): void {
    if (this.usedBytes + extra <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.usedBytes + extra) size *= 2;
    const bigger = Buffer.alloc(size);
    this.bytes.copy(bigger, 0, 0, this.usedBytes);
    this.bytes = bigger;
  }

  private growIndex(): void {
    const hashes = new Uint32Array(this.hashes.length * 2);
    const starts = new Uint32Array(hashes.length + 1);
    starts.set(this.starts);
    this.starts = starts;
    hashes.set(this.hashes);
    this.hashes = hashes;
  }

  private rehash(slots: number): void {
    const table = new Int32Array(slots);
    const mask = slots - 1;
    for (let n = 0; n < this.count; n++) {
      let slot = (this.hashes[n] ?? 0) & mask;
      while ((table[slot] ?? 0) !== 0) slot = (slot + 1) & mask;
      table[slot] = n + 1;
    }
    this.table = table;
  }
}
