import { useId } from 'react';
import type { ImageEntryCheck, PolicyDraft } from '../../../shared/ipc-contract.js';
import { RemoveIcon, WarningIcon } from '../app/icons.js';
import { AddEntryRow } from './AddEntryRow.js';
import { appendEntry, removeAt, replaceAt } from './draft.js';
import { Switch } from './Switch.js';

type ImageList = PolicyDraft['imageList'];

export function ImageListEditor(props: {
  value: ImageList;
  checks: ImageEntryCheck[] | undefined;
  readOnly: boolean;
  onChange: (value: ImageList) => void;
}) {
  const { value, checks, readOnly, onChange } = props;
  const id = useId();
  const setImages = (images: string[]) => onChange({ ...value, images });

  const add = (text: string) => {
    const result = appendEntry(value.images, text);
    if (!result.added) return result.reason;
    setImages(result.list);
    return undefined;
  };

  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Images allowed to mount the socket</h2>
      <p className="muted">
        Use <code>name:*</code> for every tag of an image (Testcontainers pins versions),{' '}
        <code>name:tag</code>, or <code>name@sha256:…</code>. Each image is verified by the digest its
        registry serves.
      </p>
      {value.images.length === 0 ? (
        <p className="empty">No image may mount the socket.</p>
      ) : (
        <ul className="entry-list" aria-label="Allowed images">
          {value.images.map((entry, index) => {
            const check = checks?.[index];
            const messageId = `${id}-entry-${index}-msg`;
            return (
              <li key={index} className={`entry-row${check && !check.ok ? ' is-invalid' : ''}`}>
                <div className="entry-main">
                  <input
                    className="input mono"
                    value={entry}
                    readOnly={readOnly}
                    aria-label={`Image list entry ${index + 1}`}
                    aria-invalid={check && !check.ok ? true : undefined}
                    aria-describedby={messageId}
                    spellCheck={false}
                    autoCapitalize="off"
                    onChange={(event) => setImages(replaceAt(value.images, index, event.target.value))}
                  />
                  {readOnly ? null : (
                    <button
                      type="button"
                      className="icon-button"
                      aria-label={`Remove ${entry || `entry ${index + 1}`}`}
                      title="Remove"
                      onClick={() => setImages(removeAt(value.images, index))}
                    >
                      <RemoveIcon size={16} />
                    </button>
                  )}
                </div>
                <div id={messageId} className="entry-detail">
                  {!check ? null : check.ok ? (
                    <>
                      {/* Only a name that differs says more than the entry itself does. */}
                      {check.normalized === entry.trim() ? null : (
                        <span className="normalized" title="The name the engine matches">
                          {check.normalized}
                        </span>
                      )}
                      {check.warning ? (
                        <span className="entry-warning">
                          <WarningIcon size={14} /> {check.warning}
                        </span>
                      ) : null}
                    </>
                  ) : (
                    <span className="field-error">{check.error}</span>
                  )}
                </div>
              </li>
            );
          })}
        </ul>
      )}
      {readOnly ? null : (
        <AddEntryRow
          label="New image list entry"
          placeholder="e.g. docker.io/testcontainers/ryuk:*"
          buttonLabel="Add image"
          onAdd={add}
        />
      )}
      <div className="sub-setting">
        <Switch
          label="Allow images derived from an allowed image"
          showLabel
          checked={value.allowDerivedImages}
          disabled={readOnly}
          describedBy={`${id}-derived-advice`}
          onChange={(allowDerivedImages) => onChange({ ...value, allowDerivedImages })}
        />
        <p id={`${id}-derived-advice`} className="hint">
          For local images built <code>FROM</code> an allowed image, such as the throw-away images Paketo
          buildpacks build from <code>paketobuildpacks/builder:base</code>. It applies only to local-only
          images: an image that is in a registry should be listed by name instead. The allowed parent must be
          pulled locally, and the check can add up to a second to a container's start. Leave it off unless you
          need it.
        </p>
      </div>
    </section>
  );
}
