import { useCallback, useEffect, useState } from 'react';
import type { MismatchedImage, RepullProgress } from '../../../shared/ipc-contract.js';
import { useContract, useContractEvent, useNow } from '../app/contract-context.js';
import { CheckIcon, RefreshIcon } from '../app/icons.js';
import { relativeTime, shortDigest } from '../format/time.js';
import { emptyMismatchReason } from '../status/explain.js';

interface Done {
  image: string;
  digest: string;
}

const phaseLabels: Record<RepullProgress['phase'], string> = {
  removing: 'Removing the local copy…',
  pulling: 'Pulling from the registry…',
  verifying: 'Checking the digest…',
  done: 'Done',
  failed: 'Failed',
};

export function MismatchedImagesView() {
  const { client, state } = useContract();
  const now = useNow();
  const [images, setImages] = useState<MismatchedImage[]>();
  const [progress, setProgress] = useState<Record<string, RepullProgress>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [done, setDone] = useState<Done[]>([]);
  const [loadError, setLoadError] = useState<string>();

  const load = useCallback(async () => {
    const answer = await client.call('listMismatchedImages', undefined);
    if (answer.ok) {
      setImages(answer.value);
      setLoadError(undefined);
    } else setLoadError(answer.error.message);
  }, [client]);

  // Asked again when the engine comes or goes and when the image list changes.
  const reachable = state?.status.engine.reachable;
  const listed = state?.policy.imageList.images.join('\n');
  useEffect(() => {
    void load();
  }, [load, reachable, listed]);

  // A new digest-mismatch denial may add an image to this list.
  useContractEvent('denial', (entry) => {
    if (entry.reason === 'digest-mismatch') void load();
  });
  useContractEvent('repullProgress', (update) =>
    setProgress((current) => ({ ...current, [update.image]: update })),
  );

  const repull = async (image: string) => {
    setErrors(({ [image]: _, ...rest }) => rest);
    setProgress((current) => ({ ...current, [image]: { image, phase: 'removing', fraction: null } }));
    const answer = await client.call('repullImage', { image });
    setProgress(({ [image]: _, ...rest }) => rest);
    if (answer.ok) {
      setDone((current) => [
        { image: answer.value.image, digest: answer.value.digest },
        ...current.filter((d) => d.image !== image),
      ]);
      await load();
    } else {
      setErrors((current) => ({ ...current, [image]: answer.error.message }));
    }
  };

  return (
    <div className="stack">
      <p className="muted lead">
        When a registry moves a tag (a new <code>:latest</code>), the local copy keeps the old digest and is
        denied until it is pulled again. Re-pull removes the local image and pulls the one the registry serves
        now.
      </p>
      {loadError ? (
        <div className="banner banner-error" role="alert">
          {loadError}
        </div>
      ) : null}
      {done.map((item) => (
        <div key={item.image} className="banner banner-success" role="status">
          <CheckIcon size={16} /> <span className="mono">{item.image}</span> now has digest{' '}
          <code className="digest" title={item.digest}>
            {item.digest}
          </code>{' '}
          and may mount the socket again.
        </div>
      ))}
      {!images && !loadError ? (
        <p className="muted">Loading…</p>
      ) : !images?.length ? (
        <EmptyList
          reason={
            state
              ? emptyMismatchReason(
                  {
                    images: state.policy.imageList.images,
                    engineReachable: state.status.engine.reachable,
                    refresher: state.status.refresher,
                  },
                  loadError !== undefined,
                )
              : undefined
          }
        />
      ) : (
        <ul className="image-cards" aria-label="Mismatched images">
          {images.map((item) => {
            const step = progress[item.image];
            const busy = step !== undefined;
            const titleId = `img-${item.image.replace(/[^a-z0-9]/gi, '-')}`;
            return (
              <li key={item.image} className="card image-card" aria-labelledby={titleId}>
                <div className="card-row">
                  <div className="image-facts">
                    <h2 id={titleId} className="mono">
                      {item.image}
                    </h2>
                    <dl className="facts compact">
                      <dt>Allowed by</dt>
                      <dd className="mono">{item.entry}</dd>
                      <dt>Local digest</dt>
                      <dd className="mono" title={item.localDigest ?? undefined}>
                        {shortDigest(item.localDigest)}
                      </dd>
                      <dt>Registry digest</dt>
                      <dd className="mono" title={item.registryDigest}>
                        {shortDigest(item.registryDigest)}
                      </dd>
                      {item.lastDeniedAt ? (
                        <>
                          <dt>Last denied</dt>
                          <dd>{relativeTime(item.lastDeniedAt, now)}</dd>
                        </>
                      ) : null}
                    </dl>
                  </div>
                  <button
                    type="button"
                    className="button button-primary"
                    disabled={busy}
                    aria-label={`Re-pull ${item.image}`}
                    onClick={() => void repull(item.image)}
                  >
                    <RefreshIcon size={16} /> Re-pull
                  </button>
                </div>
                {busy ? (
                  <div className="progress-block">
                    <progress
                      max={1}
                      value={step.fraction ?? undefined}
                      aria-label={`Re-pulling ${item.image}`}
                      aria-valuetext={phaseLabels[step.phase]}
                    />
                    <span className="muted" role="status">
                      {phaseLabels[step.phase]}
                      {step.fraction !== null && step.phase === 'pulling'
                        ? ` ${Math.round(step.fraction * 100)}%`
                        : ''}
                    </span>
                  </div>
                ) : null}
                {errors[item.image] ? (
                  <p className="field-error" role="alert">
                    {errors[item.image]}
                  </p>
                ) : null}
              </li>
            );
          })}
        </ul>
      )}
      <div>
        <button type="button" className="button" onClick={() => void load()}>
          <RefreshIcon size={16} /> Check again
        </button>
      </div>
    </div>
  );
}

function EmptyList(props: { reason: ReturnType<typeof emptyMismatchReason> | undefined }) {
  if (!props.reason) return null;
  const good = props.reason.kind === 'all-match';
  return (
    <div className={`card empty-card${good ? '' : ' is-neutral'}`} role="status">
      {good ? <CheckIcon size={22} /> : null}
      <p>{props.reason.text}</p>
    </div>
  );
}
