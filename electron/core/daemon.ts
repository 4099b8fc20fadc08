// Wires the engine together: policy source (admin file + user settings), history, registry digest
// refresher, the policy gate, the main proxy socket and the per-container filtered sockets, and the
// settings contract the app and `serve --ui` expose. Runs unchanged in the Electron main process and
// in `socket-warden serve`; imports nothing from electron.
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseImageListEntry, type ImageListEntry } from '../../shared/image-reference.js';
import {
  createContractEventEmitter,
  type AppState,
  type ContractEventEmitter,
  type ContractHandlers,
  type Status,
} from '../../shared/ipc-contract.js';
import { refreshIntervalMinutes, wardenPolicy, type Policy } from '../../shared/settings.js';
import { createContractHandlers } from './contract/contract-handlers.js';
import { EngineClient } from './engine-api/engine-client.js';
import { FilteredSocketManager } from './filtered-sockets/filtered-socket-manager.js';
import { HistoryStore, historyDirIn } from './history/history-store.js';
import { EngineImages } from './images/engine-images.js';
import { MismatchedImages } from './images/mismatched-images.js';
import { startUiServer, type UiServer } from './contract/http-transport.js';
import type { Log } from './log.js';
import { PolicyGate } from './policy/policy-gate.js';
import { findEngineProcess } from './guards/engine-process.js';
import type { GuardSources } from './guards/guard-discovery.js';
import { GuardWatch } from './guards/guard-watch.js';
import { MountVerifier } from './guards/mount-verifier.js';
import { dockerDefaults, podmanDefaults, type EngineDefaults } from './reach/default-powers.js';
import { engineReachIo } from './reach/engine-reach-io.js';
import { unlimitedAllowance, type Allowance } from './reach/judge-reach.js';
import { inspectHostPath } from './policy/host-path.js';
import { RequesterAllowances } from './reach/requester-allowance.js';
import { proxyLimits, type ProxyLimitOverrides } from './proxy/client-limits.js';
import { ProxyClients } from './proxy/proxy-clients.js';
import { ProxyServer } from './proxy/proxy-server.js';
import { Upstream } from './proxy/upstream.js';
import { DigestRefresher } from './registry/digest-refresher.js';
import { DockerConfigCredentials } from './registry/docker-credentials.js';
import { createImageOracle } from './registry/image-oracle.js';
import { RegistryClient } from './registry/registry-client.js';
import { PolicySource } from './settings/policy-source.js';
import { UserSettingsStore, type ConfLike } from './settings/user-settings-store.js';

export interface DaemonOptions {
  upstream: string;
  listen: string;
  /** Managed mode: Socket Warden is the host's Docker socket (host protection on by default). */
  managed?: boolean;
  /** A socket already bound to `listen` and listening (systemd's socket activation). */
  listenFd?: number;
  dataDir: string;
  adminSettings: string;
  ui?: { port: number };
  /** Registry digests are re-checked this often (default: the user's setting, 15 min). */
  refreshIntervalMs?: number;
  /** The app passes an electron-store factory; headless mode writes the same file itself (JsonFileStore). */
  createStore?: (options: { cwd: string; configName: string }) => ConfLike;
  log: Log;
  /** What each client of the proxy may hold and for how long (defaults: proxy/client-limits.ts). */
  proxyLimits?: ProxyLimitOverrides;
}

export interface Daemon {
  listenPath: string;
  upstreamPath: string;
  uiUrl?: string;
  handlers: ContractHandlers;
  events: ContractEventEmitter;
  close(): Promise<void>;
}

export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const { log } = options;
  let ready = false;
  await fs.mkdir(options.dataDir, { recursive: true, mode: 0o750 });

  // Settings first: an invalid admin file refuses the start (never starts open).
  const userStore = UserSettingsStore.open({
    dataDir: options.dataDir,
    log,
    createStore: options.createStore,
  });
  const policySource = await PolicySource.open({
    adminFile: options.adminSettings,
    userStore,
    log,
    ...(options.managed ? { managed: true } : {}),
  });
  const adminStatus = policySource.adminStatus();
  if (adminStatus.writableWarning) log.warn(adminStatus.writableWarning);

  const history = await HistoryStore.open(historyDirIn(options.dataDir));
  const engine = new EngineClient(options.upstream);
  const images = new EngineImages(engine);
  images.watch();
  const upstream = new Upstream(options.upstream);
  const events = createContractEventEmitter();

  let entries: readonly ImageListEntry[] = [];
  const parseEntries = (texts: readonly string[]): readonly ImageListEntry[] =>
    texts.flatMap((text) => {
      const parsed = parseImageListEntry(text);
      return parsed.ok ? [parsed.value] : [];
    });
  entries = parseEntries(policySource.current().imageList.images);
  let exemptEntries = parseEntries(wardenPolicy(policySource.current()).hostProtection.exemptImages);

  const refresher = new DigestRefresher({
    client: new RegistryClient({ credentials: new DockerConfigCredentials() }),
    intervalMs: options.refreshIntervalMs ?? refreshIntervalMinutes(policySource.userSettings()) * 60_000,
    concurrency: 4,
    timeoutMs: 10_000,
  });
  // Host protection's exempt images are verified by digest too.
  refresher.setEntries([...entries, ...exemptEntries]);
  refresher.start();

  const socketsDir = path.join(options.dataDir, 'sockets');
  const engineSocket = await fs.stat(options.upstream).catch(() => null);
  if (!engineSocket)
    log.warn(`engine socket ${options.upstream} not found yet; requests get an error until it appears`);
  // Managed mode: the engine's socket is root-only; the group that may use Docker is the listen socket's.
  const clientGid =
    options.listenFd === undefined
      ? engineSocket?.gid
      : (await fs.stat(options.listen).catch(() => null))?.gid;
  const reach = engineReachIo(engine);
  // What the engine is and where it keeps its state: learnt now and again whenever it comes back.
  let engineKind: 'docker' | 'podman' = 'docker';
  let cgroupV1 = false;
  let containerdImageStore = false;
  const learnEngine = async (): Promise<GuardSources> => {
    const [version, info, process] = await Promise.all([
      engine.version().catch(() => undefined),
      engine.info().catch(() => undefined),
      findEngineProcess(options.upstream).catch(() => undefined),
    ]);
    if (version)
      engineKind = version.Components?.some((c) => /podman/i.test(c.Name ?? '')) ? 'podman' : 'docker';
    if (info?.CgroupVersion) cgroupV1 = info.CgroupVersion === '1';
    if (info)
      containerdImageStore = (info.DriverStatus ?? []).some(
        ([, value]) => value === 'io.containerd.snapshotter.v1',
      );
    return {
      upstream: options.upstream,
      listen: [options.listen],
      filteredSocketsDir: socketsDir,
      ...(info?.DockerRootDir ? { dataRoot: info.DockerRootDir } : {}),
      ...(process ? { engine: process } : {}),
      adminPaths: wardenPolicy(policySource.current()).guardedPaths,
    };
  };
  const guards = new GuardWatch({ sources: learnEngine, log });
  await guards.start();
  const engineDefaults = (): EngineDefaults => {
    const base = engineKind === 'podman' ? podmanDefaults : dockerDefaults;
    return cgroupV1 ? { ...base, cgroupns: 'host' } : base;
  };
  // The host's allowance: everything, or with host protection on, Docker's defaults and the
  // admin's bindable directories (resolved again whenever the policy changes).
  let hostAllowance: Allowance = unlimitedAllowance;
  const resolveHostAllowance = async (policy: Policy): Promise<void> => {
    const protection = wardenPolicy(policy).hostProtection;
    if (!protection.enabled) {
      hostAllowance = unlimitedAllowance;
      return;
    }
    const hostPaths = await Promise.all(
      protection.bindablePaths.map(async (p) => ({ host: await inspectHostPath(p), readOnly: false })),
    );
    hostAllowance = { who: 'the host', powers: 'defaults', hostPaths };
  };
  await resolveHostAllowance(policySource.current());
  const allowances = new RequesterAllowances(reach, () => hostAllowance);

  const mismatched = new MismatchedImages(refresher, images);
  const gate = new PolicyGate({
    policy: () => policySource.current(),
    imageEntries: () => entries,
    routeContext: async () => ({ ...(await guards.context()), engine: engineKind }),
    engineDefaults,
    reach,
    allowances,
    oracle: createImageOracle(refresher, images),
    inspectImage: (name) => images.inspect(name),
    record: (entry) => {
      // Not awaited: a denial is answered at once; the store makes the entry durable in order.
      history
        .append(entry)
        .catch((error: unknown) => log.error(`history: cannot record a denial: ${String(error)}`));
    },
    onDigestMismatch: (image) => mismatched.noteDenied(image),
    removeContainer: (id) => engine.removeContainer(id),
    buildKitPushes: () => containerdImageStore,
    imageStore: () => ({ repoDigestsProveRegistry: !containerdImageStore && engineKind !== 'podman' }),
    exemptEntries: () => exemptEntries,
  });
  const clients = new ProxyClients(proxyLimits(options.proxyLimits));
  const filteredSockets = new FilteredSocketManager({
    clients,
    dir: socketsDir,
    upstream,
    gate,
    engine,
    gid: clientGid,
    log,
    // The pane lists containers with filtered sockets; announce() exists once the daemon is up.
    onChange: () => {
      if (ready) announce();
    },
  });
  gate.useFilteredSockets(filteredSockets);
  await filteredSockets.start();
  // Managed mode: what the engine starts by itself (restart policies) is checked by outcome too.
  const mountVerifier = new MountVerifier({
    engine,
    guards: () => guards.list(),
    ownerOf: (socketPath) => filteredSockets.ownerOf(socketPath),
    active: () => options.managed === true && policySource.current().enforcing,
    record: (entry) => {
      history
        .append(entry)
        .catch((error: unknown) => log.error(`history: cannot record a denial: ${String(error)}`));
    },
    log,
  });
  if (options.managed) mountVerifier.start();
  const main = await ProxyServer.listen({
    listenPath: options.listen,
    listenFd: options.listenFd,
    upstream,
    gate,
    requester: { kind: 'host' },
    client: clients.host(),
    gid: engineSocket?.gid,
    onError: (error) => log.error(`proxy: ${error.stack ?? error.message}`),
  });

  // --- status and the settings contract --------------------------------------------------------
  let engineState: Status['engine'] = { reachable: false, upstreamSocket: options.upstream };
  const pingEngine = async (): Promise<void> => {
    try {
      const version = await engine.version();
      engineState = {
        reachable: true,
        upstreamSocket: options.upstream,
        version: version.Version,
        apiVersion: version.ApiVersion,
      };
    } catch (error) {
      engineState = {
        reachable: false,
        upstreamSocket: options.upstream,
        error: error instanceof Error ? error.message : String(error),
      };
    }
  };
  await pingEngine();

  const status = (): Status => {
    const refresh = refresher.status();
    return {
      engine: engineState,
      listen: { socket: main.listenPath, dockerHost: `unix://${main.listenPath}` },
      containers: filteredSockets
        .status()
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
  };
  const state = (): AppState => ({ policy: policySource.current(), status: status() });
  const announce = (): void => events.emit('stateChanged', state());

  const pinger = setInterval(() => {
    const before = engineState.reachable;
    void pingEngine().then(() => {
      if (engineState.reachable !== before) {
        log.info(
          engineState.reachable ? 'engine reachable again' : `engine unreachable: ${engineState.error ?? ''}`,
        );
        // A restarted engine may keep its state elsewhere now.
        if (engineState.reachable) void guards.refresh();
        announce();
      }
    });
  }, 5000);
  pinger.unref();

  policySource.on('policy', (policy) => {
    entries = parseEntries(policy.imageList.images);
    exemptEntries = parseEntries(wardenPolicy(policy).hostProtection.exemptImages);
    refresher.setEntries([...entries, ...exemptEntries]);
    void resolveHostAllowance(policy).catch((error: unknown) =>
      log.error(`host protection: cannot resolve the bindable paths: ${String(error)}`),
    );
    void guards.refresh();
    log.info(
      `policy: enforcement ${policy.enforcing ? 'on' : 'OFF'}${wardenPolicy(policy).enforcement === 'report-only' ? ' (REPORT-ONLY: nothing is denied, what would be is recorded)' : ''}, ${policy.imageList.images.length} image entries, command ${policy.commandList.type} list of ${policy.commandList.commands.length}, host protection ${wardenPolicy(policy).hostProtection.enabled ? 'on' : 'off'} (${policy.source}${policy.locked ? ', locked' : ''})`,
    );
    announce();
  });
  policySource.on('error', (error) => log.error(error.message));
  policySource.on('status', () => announce());
  history.onAppend((entry) => events.emit('denial', entry));
  refresher.on('progress', (progress) =>
    events.emit('refresherProgress', {
      phase: progress.done === 0 ? 'started' : 'image',
      checked: progress.done,
      total: progress.total,
      refresher: status().refresher,
    }),
  );
  refresher.on('finished', (summary) => {
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
  });

  ready = true;
  const handlers = createContractHandlers({
    policySource,
    history,
    images,
    mismatched,
    entries: () => entries,
    refresher,
    events,
    state,
    status,
  });

  let ui: UiServer | undefined;
  if (options.ui) {
    const staticDir = fileURLToPath(new URL('../../renderer/', import.meta.url));
    ui = await startUiServer({
      handlers,
      events,
      port: options.ui.port,
      staticDir,
      onInternalError: (request, error) => log.error(`ui ${request}: ${String(error)}`),
    });
  }

  return {
    listenPath: main.listenPath,
    upstreamPath: options.upstream,
    uiUrl: ui?.url,
    handlers,
    events,
    async close() {
      clearInterval(pinger);
      await ui?.close();
      await main.close();
      await filteredSockets.close();
      refresher.stop();
      guards.stop();
      mountVerifier.stop();
      images.stop();
      policySource.close();
      upstream.close();
      engine.close();
      await history.close();
    },
  };
}
