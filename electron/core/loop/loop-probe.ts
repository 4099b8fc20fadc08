// Asks the upstream for /_ping carrying our hop id, and tells whether the request came back to us on
// the way (LoopGuard counts those). A probe that goes unanswered proves nothing either way; nor does
// one refused as a loop by a Socket Warden further up (it may loop without us; its refusal reaches our
// clients all the same).
import http from 'node:http';
import { HOP_HEADER } from './hop-header.js';
import { LOOP_STATUS, type LoopGuard } from './loop-guard.js';

export type ProbeFinding = 'loop' | 'no-loop' | 'unknown';

export function probeForLoop(upstream: string, guard: LoopGuard, timeoutMs = 2000): Promise<ProbeFinding> {
  const before = guard.returned;
  return new Promise((resolve) => {
    let settled = false;
    const done = (status: number | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      if (guard.returned > before) resolve('loop');
      else resolve(status === undefined || status === LOOP_STATUS ? 'unknown' : 'no-loop');
    };
    const request = http.request({
      socketPath: upstream,
      path: '/_ping',
      method: 'GET',
      agent: false,
      headers: { Host: 'docker', Connection: 'close', [HOP_HEADER]: guard.instanceId },
    });
    const timer = setTimeout(() => done(undefined), timeoutMs);
    request.on('response', (response) => {
      response.resume();
      done(response.statusCode);
    });
    request.on('error', () => done(undefined));
    request.end();
  });
}
