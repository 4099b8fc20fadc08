// The one-word state the window and the tray both show. Pure.
import type { AppState } from '../../../shared/ipc-contract.js';

export type GuardState = 'enforcing' | 'paused' | 'locked' | 'unreachable';

export const guardStateLabels: Record<GuardState, string> = {
  enforcing: 'Guarding the socket',
  paused: 'Enforcement paused',
  locked: 'Managed by administrator',
  unreachable: 'Engine unreachable',
};

/** An unreachable engine matters most (nothing works), then who is in charge, then on or off. */
export function guardState(state: AppState): GuardState {
  if (!state.status.engine.reachable) return 'unreachable';
  if (state.policy.locked) return 'locked';
  return state.policy.enforcing ? 'enforcing' : 'paused';
}
