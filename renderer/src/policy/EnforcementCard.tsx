import { useState } from 'react';
import type { Policy } from '../../../shared/settings.js';
import { useContract } from '../app/contract-context.js';
import { Switch } from './Switch.js';

export function EnforcementCard(props: { policy: Policy }) {
  const { client } = useContract();
  const { policy } = props;
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string>();

  const toggle = async (enforcing: boolean) => {
    setPending(true);
    setError(undefined);
    const answer = await client.call('setEnforcement', { enforcing });
    setPending(false);
    if (!answer.ok) setError(answer.error.message);
  };

  return (
    <section className="card" aria-labelledby="enforcement-title">
      <div className="card-row">
        <div>
          <h2 id="enforcement-title">Enforcement</h2>
          <p className="muted" id="enforcement-desc">
            {policy.enforcing
              ? 'Containers may mount the Docker socket only if their image is on the list below, verified by registry digest.'
              : 'Paused: any container may mount the Docker socket and use every command.'}
          </p>
        </div>
        <Switch
          label="Guard the Docker socket"
          describedBy="enforcement-desc"
          checked={policy.enforcing}
          disabled={policy.locked || pending}
          onChange={(value) => void toggle(value)}
        />
      </div>
      {policy.locked ? <p className="hint">Locked by the administrator.</p> : null}
      {error ? (
        <p className="field-error" role="alert">
          {error}
        </p>
      ) : null}
    </section>
  );
}
