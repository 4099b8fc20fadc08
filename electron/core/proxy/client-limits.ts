// What one client may hold of the proxy at once, and for how long. A client is one listening socket:
// each filtered socket is one container; the main socket is every host peer together (Node cannot read
// SO_PEERCRED to tell them apart), with a budget of its own, so a container flooding its filtered
// socket never starves the host's. Exceeding a limit is answered in the engine's error format
// (408/413/429) and the connection closed. The defaults live here and only here; the daemon may
// pass others.

export interface ClientLimits {
  /** Connections open at once. */
  maxConnections: number;
  /** Bytes held for requests not yet parsed or served (unfinished heads, pipelined requests). */
  maxHeldBytes: number;
  /** From a request's first byte to the end of its head. */
  headTimeoutMs: number;
  /** The longest request-target judged (414 beyond): routing, decoding and quoting it cost its size. */
  maxTargetBytes: number;
  /** For a body the gate judges whole, from when it starts reading it to its end. */
  bodyTimeoutMs: number;
  /** With no request in flight (before the first one, or between kept-alive ones): then closed. */
  idleTimeoutMs: number;
  /** The largest body the gate judges whole (container create, exec create, services, start). */
  maxJudgedBodyBytes: number;
  /** The most JSON values such a body may hold: decoding costs per value (json-values.ts). */
  maxJudgedBodyValues: number;
  /**
   * Requests judged at once among those costly to judge (a body read whole, a target longer than
   * turnTargetBytes); the others wait their turn, their sockets paused.
   */
  maxConcurrentJudgements: number;
  /** Requests with a longer request-target are judged in turns too: routing and recording one costs its length. */
  turnTargetBytes: number;
}

/** Limits for the main socket, for each filtered socket, and for all filtered sockets together. */
export interface ProxyLimits {
  host: ClientLimits;
  container: ClientLimits;
  /** All containers' filtered sockets together, so many containers cannot exhaust descriptors either. */
  containers: Pick<ClientLimits, 'maxConnections' | 'maxHeldBytes' | 'maxConcurrentJudgements'>;
}

/**
 * Judging is synchronous, on the event loop every socket shares, and the Go-compatible decoder costs
 * about 0.6 µs per JSON value: a 1 MiB body of `[0,0,…]` (500,000 values) held the loop for half a
 * second. So a judged body is at most 1 MiB (below the 4 MiB the engine's authorization plugins
 * accept) and 20,000 values (~10 ms to decode, and its garbage); real bodies are a few KiB and a few hundred values
 * (a `docker run` create is ~3 KiB, ~150 values; 5,000 environment variables are 5,000). Targets: 64 KiB, far above any the docker CLI sends (a build's
 * query with its build args is the longest), where a 900 KiB one took ~20 ms to judge. Descriptors: each busy connection also holds an engine connection;
 * 512 + 256 connections fit a 1024-descriptor limit when most are idle.
 */
export const DEFAULT_PROXY_LIMITS: ProxyLimits = {
  host: {
    maxConnections: 512,
    maxHeldBytes: 32 << 20,
    headTimeoutMs: 10_000,
    maxTargetBytes: 64 << 10,
    bodyTimeoutMs: 30_000,
    // Longer than clients keep idle connections (Go's http.Transport: 90 s), so they close first.
    idleTimeoutMs: 300_000,
    maxJudgedBodyBytes: 1 << 20,
    maxJudgedBodyValues: 20_000,
    maxConcurrentJudgements: 2,
    turnTargetBytes: 4096,
  },
  container: {
    maxConnections: 64,
    maxHeldBytes: 8 << 20,
    headTimeoutMs: 10_000,
    maxTargetBytes: 64 << 10,
    bodyTimeoutMs: 30_000,
    idleTimeoutMs: 300_000,
    maxJudgedBodyBytes: 1 << 20,
    maxJudgedBodyValues: 20_000,
    maxConcurrentJudgements: 1,
    turnTargetBytes: 4096,
  },
  // One judgement at a time for all containers together, taken in rotation (turn-queue.ts).
  containers: { maxConnections: 256, maxHeldBytes: 32 << 20, maxConcurrentJudgements: 1 },
};

export type ProxyLimitOverrides = {
  [Part in keyof ProxyLimits]?: Partial<ProxyLimits[Part]>;
};

/** The defaults with `overrides` applied; refuses a limit that is not a positive whole number. */
export function proxyLimits(overrides: ProxyLimitOverrides = {}): ProxyLimits {
  const limits: ProxyLimits = {
    host: { ...DEFAULT_PROXY_LIMITS.host, ...overrides.host },
    container: { ...DEFAULT_PROXY_LIMITS.container, ...overrides.container },
    containers: { ...DEFAULT_PROXY_LIMITS.containers, ...overrides.containers },
  };
  for (const [part, values] of Object.entries(limits))
    for (const [name, value] of Object.entries(values as Record<string, number>))
      if (!Number.isSafeInteger(value) || value < 1)
        throw new RangeError(`proxy limit ${part}.${name} must be a positive whole number: ${value}`);
  return limits;
}
