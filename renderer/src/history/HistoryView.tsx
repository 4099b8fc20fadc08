import { useCallback, useEffect, useRef, useState } from 'react';
import type {
  HistoryEntry,
  HistoryId,
  HistoryKind,
  HistoryQuery,
  HistoryReason,
} from '../../../shared/history-entry.js';
import { useContract, useContractEvent, useNow } from '../app/contract-context.js';
import { SearchIcon } from '../app/icons.js';
import { kindLabels, reasonLabels, requestLabel, requesterLabel } from '../format/labels.js';
import { tableTime } from '../format/time.js';
import { download } from './download.js';
import { HistoryDetail } from './HistoryDetail.js';
import { matchesHistoryQuery as matchesQuery } from '../../../shared/history-query.js';

const pageSize = 200;

export function HistoryView(props: {
  locked: boolean;
  focusEntry: HistoryId | undefined;
  onFocused: () => void;
}) {
  const { client } = useContract();
  const now = useNow();
  const [entries, setEntries] = useState<HistoryEntry[]>();
  const [search, setSearch] = useState('');
  const [kind, setKind] = useState<HistoryKind | ''>('');
  const [reason, setReason] = useState<HistoryReason | ''>('');
  const [selected, setSelected] = useState<HistoryEntry>();
  const [fresh, setFresh] = useState<ReadonlySet<number>>(new Set());
  const [error, setError] = useState<string>();
  const [confirmClear, setConfirmClear] = useState(false);
  const detailRef = useRef<HTMLDivElement>(null);

  const query: HistoryQuery = {
    limit: pageSize,
    ...(search.trim() ? { search: search.trim() } : {}),
    ...(kind ? { kind } : {}),
    ...(reason ? { reason } : {}),
  };
  const queryKey = JSON.stringify(query);

  useEffect(() => {
    let live = true;
    const timer = setTimeout(() => {
      void client.call('listHistory', JSON.parse(queryKey) as HistoryQuery).then((answer) => {
        if (!live) return;
        if (answer.ok) {
          setEntries(answer.value);
          setError(undefined);
        } else setError(answer.error.message);
      });
    }, 120);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [client, queryKey]);

  useContractEvent('denial', (entry) => {
    if (!matchesQuery(entry, JSON.parse(queryKey) as HistoryQuery)) return;
    setEntries((current) =>
      current && !current.some((e) => e.id === entry.id) ? [entry, ...current].slice(0, pageSize) : current,
    );
    setFresh((current) => new Set(current).add(entry.id));
    setTimeout(() => setFresh((current) => new Set([...current].filter((id) => id !== entry.id))), 4000);
  });

  // Opened from a notification: show that entry.
  const { focusEntry, onFocused } = props;
  useEffect(() => {
    if (focusEntry === undefined || !entries) return;
    const entry = entries.find((e) => e.id === focusEntry);
    if (entry) setSelected(entry);
    onFocused();
  }, [focusEntry, entries, onFocused]);

  useEffect(() => {
    if (selected) detailRef.current?.focus();
  }, [selected]);

  const exportAs = useCallback(
    async (format: 'json' | 'csv') => {
      const answer = await client.call('exportHistory', {
        format,
        query: { ...(JSON.parse(queryKey) as HistoryQuery), limit: 100_000 },
      });
      if (answer.ok) download(answer.value);
      else setError(answer.error.message);
    },
    [client, queryKey],
  );

  const clear = async () => {
    setConfirmClear(false);
    const answer = await client.call('clearHistory', undefined);
    if (answer.ok) {
      setEntries([]);
      setSelected(undefined);
    } else setError(answer.error.message);
  };

  return (
    <div className="history">
      <div className="toolbar" role="search">
        <label className="search">
          <SearchIcon size={16} />
          <span className="visually-hidden">Search history</span>
          <input
            className="input"
            type="search"
            placeholder="Search image, container, request…"
            value={search}
            onChange={(event) => setSearch(event.target.value)}
          />
        </label>
        <FilterSelect
          label="What"
          anyLabel="All events"
          labels={kindLabels}
          value={kind}
          onChange={setKind}
        />
        <FilterSelect
          label="Reason"
          anyLabel="Any reason"
          labels={reasonLabels}
          value={reason}
          onChange={setReason}
        />
        <span className="toolbar-spacer" />
        <span className="toolbar-group" role="group" aria-labelledby="export-label">
          <span id="export-label" className="muted">
            Export
          </span>
          <button
            type="button"
            className="button"
            aria-label="Export JSON"
            onClick={() => void exportAs('json')}
          >
            JSON
          </button>
          <button
            type="button"
            className="button"
            aria-label="Export CSV"
            onClick={() => void exportAs('csv')}
          >
            CSV
          </button>
        </span>
        {confirmClear ? (
          <span className="confirm" role="group" aria-label="Confirm clearing the history">
            <button type="button" className="button button-danger" onClick={() => void clear()}>
              Clear all
            </button>
            <button type="button" className="button" onClick={() => setConfirmClear(false)}>
              Keep
            </button>
          </span>
        ) : (
          <button
            type="button"
            className="button"
            disabled={props.locked || !entries?.length}
            title={props.locked ? 'The administrator has locked the settings' : undefined}
            onClick={() => setConfirmClear(true)}
          >
            Clear…
          </button>
        )}
      </div>
      {error ? (
        <div className="banner banner-error" role="alert">
          {error}
        </div>
      ) : null}
      <div className={`history-body${selected ? ' has-detail' : ''}`}>
        <div className="table-wrap">
          {!entries ? (
            <p className="muted">Loading…</p>
          ) : entries.length === 0 ? (
            <p className="empty">
              {search || kind || reason
                ? 'No denials match.'
                : 'No denials yet. Denied socket mounts and blocked commands appear here as they happen.'}
            </p>
          ) : (
            <table className="table" aria-label="Denials, newest first">
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">From</th>
                  <th scope="col">Image</th>
                  <th scope="col">Request</th>
                  <th scope="col">Reason</th>
                </tr>
              </thead>
              <tbody aria-live="polite" aria-relevant="additions">
                {entries.map((entry) => (
                  <tr
                    key={entry.id}
                    className={`${selected?.id === entry.id ? 'is-selected' : ''}${fresh.has(entry.id) ? ' is-fresh' : ''}`}
                    tabIndex={0}
                    aria-selected={selected?.id === entry.id}
                    onClick={() => setSelected(entry)}
                    onKeyDown={(event) => {
                      if (event.key === 'Enter' || event.key === ' ') {
                        event.preventDefault();
                        setSelected(entry);
                      }
                    }}
                  >
                    <td className="ellipsis" title={entry.time}>
                      {tableTime(entry.time, now)}
                    </td>
                    <td className="ellipsis" title={requesterLabel(entry)}>
                      {requesterLabel(entry)}
                    </td>
                    <td className="mono ellipsis" title={entry.image}>
                      {entry.image ?? '—'}
                    </td>
                    <td className="mono ellipsis" title={requestLabel(entry)}>
                      {requestLabel(entry)}
                    </td>
                    <td>
                      <span className={`reason reason-${entry.reason}`}>{reasonLabels[entry.reason]}</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
        {selected ? (
          <HistoryDetail ref={detailRef} entry={selected} onClose={() => setSelected(undefined)} />
        ) : null}
      </div>
    </div>
  );
}

/** A filter over one field of the entries: "any", or one of its labelled values. */
function FilterSelect<V extends string>(props: {
  label: string;
  anyLabel: string;
  labels: Record<V, string>;
  value: V | '';
  onChange: (value: V | '') => void;
}) {
  return (
    <label className="select-label">
      <span className="visually-hidden">{props.label}</span>
      <select
        className="select"
        value={props.value}
        onChange={(event) => props.onChange(event.target.value as V | '')}
      >
        <option value="">{props.anyLabel}</option>
        {(Object.entries(props.labels) as Array<[V, string]>).map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </select>
    </label>
  );
}
