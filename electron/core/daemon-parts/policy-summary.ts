// The line the daemon logs whenever a policy takes effect (at start and on every reload): what is
// enforced and where it came from, so the log answers "what was in force when?".
import { wardenPolicy, type Policy } from '../../../shared/settings.js';

export function policySummary(policy: Policy): string {
  const warden = wardenPolicy(policy);
  const reportOnly =
    warden.enforcement === 'report-only'
      ? ' (REPORT-ONLY: nothing is denied, what would be is recorded)'
      : '';
  return (
    `policy: enforcement ${policy.enforcing ? 'on' : 'OFF'}${reportOnly}, ` +
    `${policy.imageList.images.length} image entries, ` +
    `command ${policy.commandList.type} list of ${policy.commandList.commands.length}, ` +
    `host protection ${warden.hostProtection.enabled ? 'on' : 'off'} ` +
    `(${policy.source}${policy.locked ? ', locked' : ''})`
  );
}
