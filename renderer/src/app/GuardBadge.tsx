// The tray's own rule, so the window and the tray never disagree.
import { guardState, guardStateLabels, type GuardState } from '../../../shared/guard-state.js';
import type { AppState } from '../../../shared/ipc-contract.js';

const shortLabels: Record<GuardState, string> = {
  enforcing: 'Guarding the socket',
  paused: 'Enforcement paused',
  locked: 'Locked by admin',
  unreachable: 'Engine unreachable',
};

/** The same four states the tray icon shows, so the window says at a glance what the tray says. */
export function GuardBadge(props: { state: AppState }) {
  const guard = guardState(props.state);
  return (
    <div
      className={`guard-badge guard-${guard}`}
      role="status"
      aria-live="polite"
      title={guardStateLabels[guard]}
    >
      <span className="guard-dot" aria-hidden="true" />
      <span>{shortLabels[guard]}</span>
    </div>
  );
}
