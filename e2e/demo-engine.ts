// An in-memory stand-in for the engine that implements the whole IPC contract: the transport tests
// and `npm run dev:ui`-style renderer work use it. The end-to-end scenarios do not: they run the
// real `socket-warden serve --ui` against the real engine.
import { createHash } from 'node:crypto';
import type { HistoryEntry, NewHistoryEntry } from '../shared/history-entry.js';
import {
  ContractError,
  createContractEventEmitter,
  type AppState,
  type ContractEventEmitter,
  type ContractHandlers,
  type MismatchedImage,
} from '../shared/ipc-contract.js';
import type { Policy } from '../shared/settings.js';
import { commandCatalog } from '../electron/engine/ipc/command-catalog.js';
import { formatHistoryExport } from '../electron/engine/ipc/history-export.js';
import { checkPolicyDraft } from '../electron/engine/ipc/policy-check.js';

export interface DemoEngine {
  handlers: ContractHandlers;
  events: ContractEventEmitter;
  state(): AppState;
  /** Records a denial and pushes it, as the proxy would. */
  deny(entry: NewHistoryEntry): HistoryEntry;
  /** Puts an admin file in charge (locked) or gives control back. */
  setLocked(adminFile: string | undefined): void;
  setEngineReachable(reachable: boolean): void;
}

export interface DemoEngineOptions {
  /** Milliseconds between re-pull progress steps; 0 in tests. */
  stepMs?: number;
  seed?: boolean;
}

export function createDemoEngine(options: DemoEngineOptions = {}): DemoEngine {
  const stepMs = options.stepMs ?? 0;
  const events = createContractEventEmitter();
  let policy: Policy = {
    enforcing: true,
    locked: false,
    source: 'user',
    imageList: { images: ['docker.io/testcontainers/ryuk:*', 'docker:cli'], allowDerivedImages: false },
    commandList: { type: 'deny', commands: ['push'] },
  };
  const now = Date.now();
  let state: AppState = {
    policy,
    status: {
      engine: {
        reachable: true,
        upstreamSocket: '/var/run/docker.sock',
        version: '20.10.24',
        apiVersion: '1.41',
      },
      listen: {
        socket: '/run/user/1000/socket-warden/docker.sock',
        dockerHost: 'unix:///run/user/1000/socket-warden/docker.sock',
      },
      refresher: {
        running: false,
        lastRunAt: new Date(now - 4 * 60_000).toISOString(),
        nextRunAt: new Date(now + 11 * 60_000).toISOString(),
        imagesChecked: 2,
        errors: [],
      },
      containers: [],
    },
  };
  let history: HistoryEntry[] = [];
  let nextId = 1;
  let mismatched: MismatchedImage[] = [];

  const publish = () => {
    state = { ...state, policy };
    events.emit('stateChanged', state);
  };
  const requireUnlocked = (what: string) => {
    if (policy.locked)
      throw new ContractError(
        'locked',
        `${what} is locked by the administrator (${policy.adminFile ?? 'admin settings'})`,
      );
  };

  const deny = (entry: NewHistoryEntry): HistoryEntry => {
    const full: HistoryEntry = { ...entry, id: nextId++, time: new Date().toISOString() };
    history = [full, ...history];
    events.emit('denial', full);
    return full;
  };

  if (options.seed !== false) {
    const seedMinutes = [42, 17, 9, 3];
    const samples: NewHistoryEntry[] = [
      {
        kind: 'socket-mount-denied',
        requester: { kind: 'host' },
        request: { method: 'POST', uri: '/v1.41/containers/create?name=builder' },
        image: 'docker.io/library/alpine:3.20',
        reason: 'not-allowed',
        message:
          'socket warden: docker socket mount denied for container with image "docker.io/library/alpine"; image is not in the allowed list; if you wish to allow it, configure the docker socket image list in the Socket Warden settings.',
      },
      {
        kind: 'command-blocked',
        requester: {
          kind: 'container',
          id: 'a1b2c3d4e5f6',
          name: 'ci-runner',
          image: 'docker.io/library/docker:cli',
        },
        request: { method: 'POST', uri: '/v1.41/images/registry.example.com/team/app/push?tag=1.4' },
        image: 'docker.io/library/docker:cli',
        reason: 'command-blocked',
        message:
          'socket warden: docker command "/v1.41/images/registry.example.com/team/app/push?tag=1.4" is blocked; if you wish to allow it, configure the docker socket command list in the Socket Warden settings or admin-settings.',
      },
      {
        kind: 'socket-mount-denied',
        requester: { kind: 'host' },
        request: { method: 'POST', uri: '/v1.41/containers/create' },
        image: 'docker.io/testcontainers/ryuk:0.11.0',
        reason: 'digest-mismatch',
        message:
          'socket warden: docker socket mount denied for container with image "docker.io/testcontainers/ryuk:0.11.0"; its local digest does not match the registry; remove the image and pull it again.',
      },
      {
        kind: 'socket-mount-denied',
        requester: { kind: 'host' },
        request: { method: 'POST', uri: '/v1.41/containers/create?name=paketo-build' },
        image: 'pack.local/app:latest',
        reason: 'local-only',
        message:
          'socket warden: docker socket mount denied for container with image "pack.local/app:latest"; local-only images may mount the socket only when derived from an allowed image with allowDerivedImages on.',
      },
    ];
    samples.forEach((sample, index) => {
      history = [
        { ...sample, id: nextId++, time: new Date(now - (seedMinutes[index] ?? 1) * 60_000).toISOString() },
        ...history,
      ];
    });
    mismatched = [
      {
        image: 'docker.io/testcontainers/ryuk:0.11.0',
        entry: 'docker.io/testcontainers/ryuk:*',
        localDigest: `sha256:${digestOf('old')}`,
        registryDigest: `sha256:${digestOf('new')}`,
        lastDeniedAt: new Date(now - 9 * 60_000).toISOString(),
      },
    ];
  }

  const handlers: ContractHandlers = {
    getState: async () => state,
    getStatus: async () => state.status,
    setEnforcement: async ({ enforcing }) => {
      requireUnlocked('Enforcement');
      policy = { ...policy, enforcing, source: 'user' };
      publish();
      return policy;
    },
    updatePolicy: async (update) => {
      requireUnlocked('The policy');
      policy = { ...policy, ...update, source: 'user' };
      publish();
      return policy;
    },
    validatePolicy: async (draft) => checkPolicyDraft(draft),
    getCommandCatalog: async () => commandCatalog(),
    listHistory: async (query) => {
      const needle = query.search?.toLowerCase();
      return history
        .filter((entry) => query.before === undefined || entry.id < query.before)
        .filter((entry) => query.kind === undefined || entry.kind === query.kind)
        .filter((entry) => query.reason === undefined || entry.reason === query.reason)
        .filter((entry) => !needle || JSON.stringify(entry).toLowerCase().includes(needle))
        .slice(0, query.limit);
    },
    clearHistory: async () => {
      requireUnlocked('The history');
      const cleared = history.length;
      history = [];
      return { cleared };
    },
    exportHistory: async ({ format, query }) =>
      formatHistoryExport(await handlers.listHistory(query ?? { limit: 10_000 }), format),
    listMismatchedImages: async () => mismatched,
    repullImage: async ({ image }) => {
      const found = mismatched.find((item) => item.image === image);
      if (!found) throw new ContractError('not-found', `${image} is not among the mismatched images`);
      const emit = async (
        phase: 'removing' | 'pulling' | 'verifying' | 'done',
        fraction: number | null,
        detail?: string,
        digest?: string,
      ) => {
        events.emit('repullProgress', {
          image,
          phase,
          fraction,
          ...(detail ? { detail } : {}),
          ...(digest ? { digest } : {}),
        });
        if (stepMs > 0) await new Promise((resolve) => setTimeout(resolve, stepMs));
      };
      await emit('removing', null);
      for (const fraction of [0.1, 0.35, 0.6, 0.85, 1]) await emit('pulling', fraction, 'Downloading');
      await emit('verifying', 1);
      mismatched = mismatched.filter((item) => item !== found);
      await emit('done', 1, undefined, found.registryDigest);
      return { image, digest: found.registryDigest };
    },
  };

  return {
    handlers,
    events,
    state: () => state,
    deny,
    setLocked(adminFile) {
      policy = adminFile
        ? { ...policy, locked: true, source: 'admin', adminFile }
        : { ...policy, locked: false, source: 'user', adminFile: undefined };
      publish();
    },
    setEngineReachable(reachable) {
      state = {
        ...state,
        status: {
          ...state.status,
          engine: reachable
            ? { ...state.status.engine, reachable, error: undefined }
            : { ...state.status.engine, reachable, error: 'connect ENOENT /var/run/docker.sock' },
        },
      };
      publish();
    },
  };
}

function digestOf(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
