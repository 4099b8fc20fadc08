import type { Ref } from 'react';
import type { HistoryEntry } from '../../../shared/history-entry.js';
import { RemoveIcon } from '../app/icons.js';
import { kindLabels, reasonLabels } from '../format/labels.js';
import { exactTime } from '../format/time.js';

export function HistoryDetail(props: { entry: HistoryEntry; onClose: () => void; ref: Ref<HTMLDivElement> }) {
  const { entry } = props;
  return (
    <div
      ref={props.ref}
      className="detail"
      role="region"
      aria-label="Denial details"
      tabIndex={-1}
      onKeyDown={(event) => event.key === 'Escape' && props.onClose()}
    >
      <div className="detail-head">
        <h2>{kindLabels[entry.kind]}</h2>
        <button type="button" className="icon-button" aria-label="Close details" onClick={props.onClose}>
          <RemoveIcon size={16} />
        </button>
      </div>
      <dl className="facts">
        <dt>When</dt>
        <dd>{exactTime(entry.time)}</dd>
        <dt>Reason</dt>
        <dd>{reasonLabels[entry.reason]}</dd>
        <dt>From</dt>
        <dd>
          {entry.requester.kind === 'host' ? (
            'A client on the host'
          ) : (
            <>
              Container <strong>{entry.requester.name || '(unnamed)'}</strong>{' '}
              <span className="mono muted">{entry.requester.id.slice(0, 12)}</span>
              <br />
              <span className="mono">{entry.requester.image}</span>
            </>
          )}
        </dd>
        {entry.image ? (
          <>
            <dt>Image</dt>
            <dd className="mono">{entry.image}</dd>
          </>
        ) : null}
        {entry.imageId ? (
          <>
            <dt>Image ID</dt>
            <dd className="mono break">{entry.imageId}</dd>
          </>
        ) : null}
        <dt>Request</dt>
        <dd className="mono break">
          {entry.request.method} {entry.request.uri}
        </dd>
      </dl>
      <h3>Message sent to the client</h3>
      <p className="message">{entry.message}</p>
    </div>
  );
}
