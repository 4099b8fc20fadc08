// Each Socket Warden has a random instance id and names it in the X-Socket-Warden-Hop field of the
// requests it sends upstream. A request that arrives carrying our own id has been through us before:
// the upstream leads back here (directly, or through other proxies that pass the field on), and
// forwarding it again would go round for ever.
import { randomBytes } from 'node:crypto';
import type { RequestHead } from '../proxy/request-head.js';

export const HOP_HEADER = 'X-Socket-Warden-Hop';

/** A fresh instance id: 128 random bits, so two instances never share one. */
export function newInstanceId(): string {
  return randomBytes(16).toString('hex');
}

/** The field a forwarded request carries (appended after any the client sent: a chain keeps every hop). */
export function hopField(instanceId: string): readonly [name: string, value: string] {
  return [HOP_HEADER, instanceId];
}

/** Every instance id the request has passed through, in order (pure). */
export function hopsOf(head: Pick<RequestHead, 'headers'>): string[] {
  const lower = HOP_HEADER.toLowerCase();
  return head.headers
    .filter(([name]) => name.toLowerCase() === lower)
    .flatMap(([, value]) => value.split(','))
    .map((id) => id.trim())
    .filter((id) => id !== '');
}

/** Whether the request has already been through the instance `instanceId` (pure). */
export function cameBack(head: Pick<RequestHead, 'headers'>, instanceId: string): boolean {
  return hopsOf(head).includes(instanceId);
}
