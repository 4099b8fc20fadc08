// The settings contract's events, fed from the parts that produce them: new denials, the digest
// refresher's progress and findings, admin-file status changes. Returns how to unhook them all.
import type { AppState, ContractEventEmitter, Status } from '../../../shared/ipc-contract.js';
import type { HistoryStore } from '../history/history-store.js';
import type { Log } from '../log.js';
import type { DigestRefresher, RefreshSummary } from '../registry/digest-refresher.js';
import type { PolicySource } from '../settings/policy-source.js';

export interface ContractEventSources {
  events: ContractEventEmitter;
  policySource: PolicySource;
  history: HistoryStore;
  refresher: DigestRefresher;
  status: () => Status;
  state: () => AppState;
  log: Log;
}

export function feedContractEvents(sources: ContractEventSources): () => void {
  const { events, policySource, history, refresher, status, log } = sources;
  const announce = (): void => void events.emit('stateChanged', sources.state());
  const onSettingsError = (error: Error): void => log.error(error.message);
  const onProgress = (progress: { done: number; total: number }): void =>
    void events.emit('refresherProgress', {
      phase: progress.done === 0 ? 'started' : 'image',
      checked: progress.done,
      total: progress.total,
      refresher: status().refresher,
    });
  const onFinished = (summary: RefreshSummary): void => {
    for (const failure of summary.failures)
      log.warn(`registry digest refresh: ${failure.entry}: ${failure.error}`);
    for (const move of summary.moved)
      log.info(`registry digest of ${move.name} moved: ${move.previousDigest} -> ${move.digest}`);
    events.emit('refresherProgress', {
      phase: 'finished',
      checked: summary.checked,
      total: summary.checked,
      refresher: status().refresher,
    });
  };
  policySource.on('error', onSettingsError);
  policySource.on('status', announce);
  const offDenial = history.onAppend((entry) => events.emit('denial', entry));
  refresher.on('progress', onProgress);
  refresher.on('finished', onFinished);
  return () => {
    policySource.off('error', onSettingsError);
    policySource.off('status', announce);
    offDenial();
    refresher.off('progress', onProgress);
    refresher.off('finished', onFinished);
  };
}
