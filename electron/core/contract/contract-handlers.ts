// The settings contract (shared/ipc-contract.ts) implemented on the engine: the same handlers serve
// the Electron window over IPC and the browser over `serve --ui`.
import type { ImageListEntry } from '../../../shared/image-reference.js';
import {
  ContractError,
  type AppState,
  type DefaultStatus,
  type ContractEventEmitter,
  type ContractHandlers,
  type Status,
} from '../../../shared/ipc-contract.js';
import type { HistoryStore } from '../history/history-store.js';
import type { EngineImages, RepullResult, RepullStep } from '../images/engine-images.js';
import type { MismatchedImages } from '../images/mismatched-images.js';
import { commandCatalog } from './command-catalog.js';
import { formatHistoryExport } from './history-export.js';
import { checkPolicyDraft } from './policy-check.js';
import type { DigestRefresher } from '../registry/digest-refresher.js';
import { DockerConfigCredentials } from '../registry/docker-credentials.js';
import { RegistryClient, type ManifestDigestClient } from '../registry/registry-client.js';
import { SettingsLockedError, type PolicySource } from '../settings/policy-source.js';
import { errorMessage } from '../../../shared/error-message.js';

export interface ContractHandlerDeps {
  policySource: PolicySource;
  history: HistoryStore;
  images: EngineImages;
  /** Asked before a re-pull (fresh, not the refresher's cache); default: config.json's credentials. */
  registry?: ManifestDigestClient;
  mismatched: MismatchedImages;
  refresher: DigestRefresher;
  entries(): readonly ImageListEntry[];
  events: ContractEventEmitter;
  state(): AppState;
  status(): Status;
  /** Personal mode's offer to become the default (personal-default-io.ts); absent in managed mode. */
  personalDefault?: {
    status(): Promise<DefaultStatus>;
    set(on: boolean): Promise<{ done: string[]; status: DefaultStatus }>;
  };
}

function managedError(): ContractError {
  return new ContractError(
    'unavailable',
    "managed mode: Socket Warden is the host's Docker socket already, for every client and user",
  );
}

function lockedError(): ContractError {
  return new ContractError('locked', 'the settings are locked by the administrator (admin-settings.json)');
}

export function createContractHandlers(deps: ContractHandlerDeps): ContractHandlers {
  const { policySource, history, images, events } = deps;
  const registry = deps.registry ?? new RegistryClient({ credentials: new DockerConfigCredentials() });
  const changeUserSettings = (
    change: (user: ReturnType<PolicySource['userSettings']>) => ReturnType<PolicySource['userSettings']>,
  ) => {
    try {
      return policySource.setUserSettings(change(policySource.userSettings()));
    } catch (error) {
      if (error instanceof SettingsLockedError) throw lockedError();
      throw new ContractError('invalid-input', errorMessage(error));
    }
  };
  return {
    getState: async () => deps.state(),
    getStatus: async () => deps.status(),
    getDefaultStatus: async () => {
      if (!deps.personalDefault) throw managedError();
      return deps.personalDefault.status();
    },
    setDefault: async ({ on }) => {
      if (!deps.personalDefault) throw managedError();
      return deps.personalDefault.set(on);
    },
    setEnforcement: async ({ enforcing }) => changeUserSettings((user) => ({ ...user, enforcing })),
    updatePolicy: async ({ imageList, commandList }) =>
      changeUserSettings((user) => ({ ...user, imageList, commandList })),
    validatePolicy: async (draft) => checkPolicyDraft(draft),
    getCommandCatalog: async () => commandCatalog(),
    listHistory: async (query) => history.list(query),
    clearHistory: async () => {
      if (policySource.current().locked) throw lockedError();
      const cleared = history.count();
      await history.clear();
      return { cleared };
    },
    exportHistory: async ({ format, query }) =>
      formatHistoryExport(history.list(query ?? { limit: 10_000 }), format),
    listMismatchedImages: async () => deps.mismatched.list(deps.entries()),
    repullImage: async ({ image }) => {
      const progress = (
        phase: 'removing' | 'pulling' | 'verifying' | 'done' | 'failed',
        extra: Record<string, unknown> = {},
      ) => events.emit('repullProgress', { image, phase, fraction: null, ...extra });
      const layers = new Map<string, { current: number; total: number }>();
      const onStep = (step: RepullStep): void => {
        switch (step.step) {
          case 'checking':
            return progress('verifying', { detail: `asking the registry for the digest of ${step.name}` });
          case 'pulling': {
            const event = step.progress;
            if (!event) return progress('pulling', { detail: `pulling ${step.registryDigest}` });
            if (event.id && event.total)
              layers.set(event.id, { current: event.current ?? 0, total: event.total });
            const sums = [...layers.values()].reduce(
              (acc, l) => ({ current: acc.current + l.current, total: acc.total + l.total }),
              { current: 0, total: 0 },
            );
            return progress('pulling', {
              fraction: sums.total > 0 ? Math.min(1, sums.current / sums.total) : null,
              detail: event.id ? `${event.id}: ${event.status}` : event.status,
            });
          }
          case 'verifying':
            return progress('verifying', { fraction: 1, detail: `checking the pulled ${step.name}` });
          case 'removing-previous':
            // Only after the pull put the new digest in place, and only a dangling image, without force.
            return progress('removing', { fraction: 1, detail: `removing the previous image ${step.id}` });
        }
      };
      let result: RepullResult;
      try {
        result = await images.repull(image, registry, onStep);
      } catch (error) {
        result = { outcome: 'failed', message: errorMessage(error) };
      }
      switch (result.outcome) {
        case 'pulled':
          progress('done', { fraction: 1, digest: result.digest, detail: result.note });
          events.emit('stateChanged', deps.state());
          return { image, digest: result.digest };
        case 'refused':
          progress('failed', { error: result.message });
          throw new ContractError('invalid-input', `re-pull of ${image} refused: ${result.message}`);
        case 'failed':
          progress('failed', { error: result.message });
          throw new ContractError('unavailable', `re-pull of ${image} failed: ${result.message}`);
      }
    },
  };
}
