import type { AppState } from '../../../shared/ipc-contract.js';
import { guardState, guardStateLabels } from './guard-state.js';

/** The same four states the tray icon shows, so the window says at a glance what the tray says. */
export function GuardBadge(props: { state: AppState }) {
  const guard = guardState(props.state);
  return (
    <div className={`guard-badge guard-${guard}`} role="status" aria-live="polite">
      <span className="guard-dot" aria-hidden="true" />
      <span>{guardStateLabels[guard]}</span>
    </div>
  );
}
