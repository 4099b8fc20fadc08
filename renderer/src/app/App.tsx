import { useCallback, useEffect, useState } from 'react';
import type { HistoryId } from '../../../shared/history-entry.js';
import { HistoryView } from '../history/HistoryView.js';
import { MismatchedImagesView } from '../images/MismatchedImagesView.js';
import { PolicyView } from '../policy/PolicyView.js';
import { StatusView } from '../status/StatusView.js';
import { useContract, useContractEvent } from './contract-context.js';
import { GuardBadge } from './GuardBadge.js';
import { HistoryIcon, ImagesIcon, PolicyIcon, ShieldIcon, StatusIcon } from './icons.js';

const views = [
  { id: 'policy', label: 'Policy', Icon: PolicyIcon },
  { id: 'history', label: 'History', Icon: HistoryIcon },
  { id: 'images', label: 'Mismatched images', Icon: ImagesIcon },
  { id: 'status', label: 'Status', Icon: StatusIcon },
] as const;
type ViewId = (typeof views)[number]['id'];

function viewFromHash(hash: string): ViewId {
  const id = hash.replace(/^#\/?/, '').split('/')[0];
  return views.find((view) => view.id === id)?.id ?? 'policy';
}

export function App() {
  const { state, loadError, connected } = useContract();
  const [view, setView] = useState<ViewId>(() => viewFromHash(window.location.hash));
  const [focusEntry, setFocusEntry] = useState<HistoryId>();
  const [unseenDenials, setUnseenDenials] = useState(0);

  const go = useCallback((next: ViewId) => {
    setView(next);
    if (window.location.hash !== `#${next}`) window.history.replaceState(null, '', `#${next}`);
  }, []);

  useEffect(() => {
    const onHash = () => setView(viewFromHash(window.location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  useEffect(() => {
    if (view === 'history') setUnseenDenials(0);
  }, [view]);

  useContractEvent('denial', () => {
    if (view !== 'history') setUnseenDenials((count) => count + 1);
  });
  useContractEvent('focus', (target) => {
    go(target.view);
    if (target.historyEntryId !== undefined) setFocusEntry(target.historyEntryId);
  });

  const current = views.find((item) => item.id === view) ?? views[0];

  return (
    <div className="app">
      <aside className="sidebar">
        <div className="brand">
          <span className="brand-mark">
            <ShieldIcon size={22} />
          </span>
          <span className="brand-name">Socket Warden</span>
        </div>
        <nav aria-label="Sections">
          <ul className="nav-list">
            {views.map(({ id, label, Icon }) => (
              <li key={id}>
                <button
                  type="button"
                  className="nav-item"
                  aria-current={view === id ? 'page' : undefined}
                  onClick={() => go(id)}
                >
                  <Icon />
                  <span>{label}</span>
                  {id === 'history' && unseenDenials > 0 ? (
                    <span className="nav-count" aria-label={`${unseenDenials} new`}>
                      {unseenDenials}
                    </span>
                  ) : null}
                </button>
              </li>
            ))}
          </ul>
        </nav>
        <div className="sidebar-foot">{state ? <GuardBadge state={state} /> : null}</div>
      </aside>
      <main className="content" aria-labelledby="view-title">
        {!connected ? (
          <div className="banner banner-warning" role="status">
            Lost the connection to Socket Warden; reconnecting…
          </div>
        ) : null}
        <h1 id="view-title" className="view-title">
          {current.label}
        </h1>
        {loadError ? (
          <div className="banner banner-error" role="alert">
            {loadError}
          </div>
        ) : !state ? (
          <p className="muted">Loading…</p>
        ) : view === 'policy' ? (
          <PolicyView state={state} />
        ) : view === 'history' ? (
          <HistoryView
            locked={state.policy.locked}
            focusEntry={focusEntry}
            onFocused={() => setFocusEntry(undefined)}
          />
        ) : view === 'images' ? (
          <MismatchedImagesView />
        ) : (
          <StatusView status={state.status} images={state.policy.imageList.images} />
        )}
      </main>
    </div>
  );
}
