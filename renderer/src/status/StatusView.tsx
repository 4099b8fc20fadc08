import { useState } from 'react';
import type { Status } from '../../../shared/ipc-contract.js';
import { useContractEvent, useNow } from '../app/contract-context.js';
import { CheckIcon, CopyIcon } from '../app/icons.js';
import { exactTime, relativeTime } from '../format/time.js';
import { noNextRunReason } from './explain.js';

export function StatusView(props: { status: Status; images: readonly string[] }) {
  const now = useNow(10_000);
  const [liveRefresher, setLiveRefresher] = useState<{ checked: number; total: number }>();
  const [refresher, setRefresher] = useState(props.status.refresher);
  const [lastStatus, setLastStatus] = useState(props.status);
  if (lastStatus !== props.status) {
    setLastStatus(props.status);
    setRefresher(props.status.refresher);
  }
  useContractEvent('refresherProgress', (update) => {
    setRefresher(update.refresher);
    setLiveRefresher(
      update.phase === 'finished' ? undefined : { checked: update.checked, total: update.total },
    );
  });
  const { engine, listen } = props.status;
  const exportLine = `export DOCKER_HOST=${listen.dockerHost}`;
  const whyNoNextRun = noNextRunReason({
    images: props.images,
    engineReachable: engine.reachable,
    refresher,
  });

  return (
    <div className="status-grid">
      <section className="card" aria-labelledby="status-engine">
        <h2 id="status-engine">Docker Engine</h2>
        <p className={`state-line ${engine.reachable ? 'is-good' : 'is-bad'}`}>
          <span className="guard-dot" aria-hidden="true" />
          {engine.reachable ? 'Connected' : 'Unreachable'}
        </p>
        <dl className="facts compact">
          <dt>Socket</dt>
          <dd className="mono break">{engine.upstreamSocket}</dd>
          {engine.version ? (
            <>
              <dt>Version</dt>
              <dd>
                {engine.version}
                {engine.apiVersion ? ` (API ${engine.apiVersion})` : ''}
              </dd>
            </>
          ) : null}
          {engine.error ? (
            <>
              <dt>Error</dt>
              <dd className="field-error">{engine.error}</dd>
            </>
          ) : null}
        </dl>
      </section>
      <section className="card" aria-labelledby="status-refresher">
        <h2 id="status-refresher">Digest refresher</h2>
        <p className="muted">Fetches the registry digest of each allowed image.</p>
        <dl className="facts compact">
          <dt>Last run</dt>
          <dd title={refresher.lastRunAt ? exactTime(refresher.lastRunAt) : undefined}>
            {relativeTime(refresher.lastRunAt, now)}
          </dd>
          <dt>Next run</dt>
          <dd title={refresher.nextRunAt ? exactTime(refresher.nextRunAt) : undefined}>
            {refresher.running
              ? 'running now'
              : whyNoNextRun
                ? `none: ${whyNoNextRun}`
                : relativeTime(refresher.nextRunAt, now)}
          </dd>
          <dt>Images checked</dt>
          <dd>{refresher.imagesChecked}</dd>
        </dl>
        {liveRefresher ? (
          <progress
            max={liveRefresher.total || 1}
            value={liveRefresher.checked}
            aria-label="Refreshing digests"
          />
        ) : null}
        {refresher.errors.length ? (
          <ul className="error-list" aria-label="Refresher errors">
            {refresher.errors.map((error) => (
              <li key={error} className="field-error">
                {error}
              </li>
            ))}
          </ul>
        ) : null}
      </section>
      <section className="card status-wide" aria-labelledby="status-listen">
        <h2 id="status-listen">Guarded socket</h2>
        <p className="muted">Point Docker clients here instead of at the engine's own socket.</p>
        <dl className="facts compact">
          <dt>Socket</dt>
          <dd className="mono break">{listen.socket}</dd>
          {listen.dockerContext ? (
            <>
              <dt>Context</dt>
              <dd className="mono">docker context use {listen.dockerContext}</dd>
            </>
          ) : null}
        </dl>
        <CopyLine text={exportLine} label="Copy the DOCKER_HOST line" />
      </section>
      <section className="card status-wide" aria-labelledby="status-containers">
        <h2 id="status-containers">Containers with a filtered socket</h2>
        <p className="muted">
          Each container allowed to mount the Docker socket gets its own socket, filtered by the command list.
        </p>
        {props.status.containers.length === 0 ? (
          <p className="muted">None right now.</p>
        ) : (
          <ul className="container-list" aria-label="Containers with a filtered socket">
            {props.status.containers.map((container) => (
              <li key={container.containerId}>
                <span className="mono">{container.name || container.containerId.slice(0, 12)}</span>{' '}
                <span className="muted mono">{container.image}</span>
                {container.needsRestart ? (
                  <p className="field-error">Needs a restart: {container.needsRestart}</p>
                ) : null}
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

function CopyLine(props: { text: string; label: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="copy-line">
      <code className="mono">{props.text}</code>
      <button
        type="button"
        className="icon-button"
        aria-label={props.label}
        title={props.label}
        onClick={() => {
          void navigator.clipboard?.writeText(props.text).then(() => {
            setCopied(true);
            setTimeout(() => setCopied(false), 1500);
          });
        }}
      >
        {copied ? <CheckIcon size={16} /> : <CopyIcon size={16} />}
      </button>
    </div>
  );
}
