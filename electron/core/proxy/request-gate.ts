// The seam between the transparent proxy and the policy: the proxy parses, the gate judges, the proxy
// forwards exactly what the gate approved (possibly rewritten) or answers with the gate's denial.
import type { RequestHead } from './request-head.js';

/** Who sent a request: the host (the main socket) or a container through its filtered socket. */
export type Requester = { kind: 'host' } | { kind: 'container'; id: string; name: string; image: string };

export type Verdict =
  | {
      kind: 'forward';
      /** Replace the client's request-target and body when the gate canonicalized or rewrote them. */
      target?: string;
      body?: Buffer;
      /** Wants the engine's answer (small JSON, e.g. the created container's ID); the proxy keeps a copy. */
      onResponse?: (status: number, body: Buffer) => void;
    }
  | { kind: 'deny'; status: number; message: string };

export interface RequestGate {
  /** Whether `decide` needs the whole body (bounded: client-limits.ts, maxJudgedBody*); otherwise it streams. */
  needsBody(head: RequestHead, requester: Requester): boolean;
  decide(head: RequestHead, body: Buffer | null, requester: Requester): Verdict | Promise<Verdict>;
}

/** Lets everything through unchanged: the bare proxy, as its own tests and the transparent-proxy tests run it. */
export const transparentGate: RequestGate = {
  needsBody: () => false,
  decide: () => ({ kind: 'forward' }),
};
