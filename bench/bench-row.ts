// The shape every bench row producer returns, and what it gets to work with. New rows (create with a
// socket mount, the derived-image check, filtered sockets) are new producers in bench/rows/.

/** How a row is judged. Ratios are always socket-warden / direct. */
export type Target =
  /** socket-warden's value over direct's must be at least `min` (throughput, request rate). */
  | { kind: 'ratio-at-least'; min: number }
  /** socket-warden may add at most `max` (in the row's unit) to direct's value (latency). */
  | { kind: 'added-at-most'; max: number }
  /** socket-warden's value alone must stay below `max` (memory). */
  | { kind: 'below'; max: number }
  /** Shown for context, not judged. */
  | { kind: 'none' };

/** The other proxies measured beside Socket Warden in the same run (bench/peers/). */
export type PeerName = 'haproxy' | 'socat';

export interface BenchRow {
  metric: string;
  unit: string;
  /** Null when the metric has no direct counterpart (the proxy's own memory). */
  direct: number | null;
  proxy: number;
  target: Target;
  /** The same measure through each peer that ran (absent: not measured, or not installed). */
  peers?: Partial<Record<PeerName, number>>;
  /**
   * Socket Warden must also do better than these peers, in the same run: a lower value when the unit
   * is ms, a higher one otherwise.
   */
  ahead?: readonly PeerName[];
}

export type Side = 'direct' | 'proxy';

/** Any socket a row measures: the engine itself, Socket Warden, or a peer in front of the engine. */
export type PathName = Side | PeerName;

export interface BenchContext {
  /** The engine's own socket. */
  directSocket: string;
  /** Socket Warden's socket, served by the daemon child process. */
  proxySocket: string;
  /** The daemon's pid, for /proc/<pid>/status. */
  proxyPid: number;
  /** The real docker CLI (for one-off setup such as building the big image). */
  cli: string;
  /**
   * `<stack registry>/library/docker:cli`: the one image the bench's admin settings allow to mount the
   * socket (present locally, pushed, so its digest verifies).
   */
  allowedImage: string;
  /** Unique prefix for anything a row creates on the engine (`swbench-<pid>`). */
  namePrefix: string;
  /** Progress lines (stderr), so the table on stdout stays clean. */
  progress(line: string): void;
}

export interface RowProducer {
  name: string;
  run(context: BenchContext): Promise<BenchRow[]>;
}

export function socketFor(context: BenchContext, side: Side): string {
  return side === 'direct' ? context.directSocket : context.proxySocket;
}
