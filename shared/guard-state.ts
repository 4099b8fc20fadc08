// The four states the tray icon and the pane's badge show, and the rule that picks one. Shared so the
// window and the tray never disagree, and pure so both the Electron shell and the renderer import it.
import type { AppState } from './ipc-contract.js';

export type GuardState = 'enforcing' | 'paused' | 'locked' | 'unreachable';

export const guardStateLabels: Record<GuardState, string> = {
  enforcing: 'Guarding the Docker socket',
  paused: 'Enforcement paused',
  locked: 'Managed by administrator',
  unreachable: 'Docker Engine unreachable',
};

/** An unreachable engine matters most (nothing works), then who is in charge, then on or off. */
export function guardState(state: AppState): GuardState {
  if (!state.status.engine.reachable) return 'unreachable';
  if (state.policy.locked) return 'locked';
  return state.policy.enforcing ? 'enforcing' : 'paused';
}
