// Reads from the engine land in reusable buffers. Node's default allocates a fresh 64 KiB buffer per
// read; relaying a gigabyte that way made V8 run dozens of full collections ("external memory
// pressure") and cost the proxy about as much CPU as the copying itself.

/** Large enough for everything a unix socket holds queued (~208 KiB by default) in one read. */
export const READ_BUFFER_BYTES = 256 * 1024;
/** Free buffers kept for reuse; beyond that, released ones are left to the garbage collector. */
const MAX_FREE = 32;

/** A read buffer and how many pending writes still point into it. */
export class ReadBuffer {
  holds = 0;
  constructor(readonly bytes: Buffer) {}
}

export class ReadBufferPool {
  private readonly free: ReadBuffer[] = [];

  take(): ReadBuffer {
    // allocUnsafeSlow: its own memory, not a slice of Node's shared pool; pages become resident only
    // as reads fill them, so a connection that only ever reads small answers stays small.
    return this.free.pop() ?? new ReadBuffer(Buffer.allocUnsafeSlow(READ_BUFFER_BYTES));
  }

  give(buffer: ReadBuffer): void {
    if (this.free.length < MAX_FREE) this.free.push(buffer);
  }
}

/**
 * The buffers of one socket's reads: `next` is asked for the buffer of each read (after the previous
 * one was handled). A buffer that writes still point into is not overwritten: another takes its place
 * and it returns to the pool when the last `hold` is released.
 */
export class ReusableReads {
  private armed: ReadBuffer;
  private disposed = false;

  constructor(private readonly pool: ReadBufferPool) {
    this.armed = pool.take();
  }

  next(): Buffer {
    if (this.armed.holds > 0) this.armed = this.pool.take();
    return this.armed.bytes;
  }

  /** Keeps the bytes of the read being handled from being overwritten until the release is called. */
  hold(): () => void {
    const held = this.armed;
    held.holds++;
    return () => {
      if (--held.holds === 0 && (held !== this.armed || this.disposed)) this.pool.give(held);
    };
  }

  /** The socket closed: its buffer goes back to the pool (once no write holds it). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.armed.holds === 0) this.pool.give(this.armed);
  }
}
