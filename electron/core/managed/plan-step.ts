// One step of an install or uninstall plan. Plans are data: printed by --dry-run, checked by the unit
// tests, run by plan-runner.ts.
import type { FileSnapshot, SystemInstallState } from '../../../shared/system-install-state.js';

export type PlanStep =
  | { kind: 'mkdir'; path: string; mode: number }
  | { kind: 'write'; path: string; content: Buffer; mode: number; why: string }
  /** Puts back a file as it was before install. */
  | { kind: 'restore'; path: string; before: FileSnapshot }
  /** Removes a file; with `ifSha256`, only while it still holds what install wrote. */
  | { kind: 'remove'; path: string; ifSha256?: string; why: string }
  /**
   * Removes a socket file nothing listens on any more (systemd leaves them behind). One that still
   * answers stops the plan: something else holds the path.
   */
  | { kind: 'remove-dead-socket'; path: string; why: string }
  | { kind: 'rmdir-if-empty'; path: string }
  | { kind: 'systemctl'; args: string[]; why: string }
  | { kind: 'write-state'; state: SystemInstallState }
  | { kind: 'remove-state' };

export function describeStep(step: PlanStep): string {
  switch (step.kind) {
    case 'mkdir':
      return `mkdir -m ${step.mode.toString(8)} -p ${step.path}`;
    case 'write':
      return `write ${step.path} (${step.mode.toString(8)}): ${step.why}`;
    case 'restore':
      return `restore ${step.path} as it was before install (${step.before.mode.toString(8)}, ${step.before.uid}:${step.before.gid})`;
    case 'remove':
      return `remove ${step.path}${step.ifSha256 ? ' (if unchanged since install)' : ''}: ${step.why}`;
    case 'remove-dead-socket':
      return `remove ${step.path} if nothing listens on it: ${step.why}`;
    case 'rmdir-if-empty':
      return `rmdir ${step.path} if empty`;
    case 'systemctl':
      return `systemctl ${step.args.join(' ')}: ${step.why}`;
    case 'write-state':
      return `record what install changes in the state file`;
    case 'remove-state':
      return `remove the state file`;
  }
}
