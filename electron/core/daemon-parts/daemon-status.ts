// The Status the pane and the tray show, read from the parts that know each piece.
import type { Status } from '../../../shared/ipc-contract.js';
import type { FilteredSocketStatus } from '../filtered-sockets/filtered-socket-manager.js';
import type { RefresherStatus } from '../registry/digest-refresher.js';
import type { EngineState } from './engine-watch.js';

export interface StatusSources {
  engine: EngineState;
  listenPath: string;
  filteredSockets: readonly FilteredSocketStatus[];
  refresher: RefresherStatus;
}

export function daemonStatus(sources: StatusSources): Status {
  const refresh = sources.refresher;
  return {
    engine: sources.engine,
    listen: { socket: sources.listenPath, dockerHost: `unix://${sources.listenPath}` },
    containers: sources.filteredSockets
      .filter((entry) => entry.containerId)
      .map((entry) => ({
        containerId: entry.containerId,
        name: entry.name,
        image: entry.image,
        socket: entry.path,
        ...(entry.needsRestart ? { needsRestart: entry.needsRestart } : {}),
      })),
    refresher: {
      running: refresh.running,
      lastRunAt: refresh.lastRun ? new Date(refresh.lastRun.finishedAt).toISOString() : null,
      nextRunAt: refresh.nextRunAt !== undefined ? new Date(refresh.nextRunAt).toISOString() : null,
      imagesChecked: refresh.lastRun?.checked ?? 0,
      errors: refresh.lastRun?.failures.map((failure) => `${failure.entry}: ${failure.error}`) ?? [],
    },
  };
}
