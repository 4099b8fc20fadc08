// Wires the engine together: policy source (admin file + user settings), history, registry digest
// refresher, the policy gate, the main proxy socket and the per-container filtered sockets, and the
// settings contract the app and `serve --ui` expose. Runs unchanged in the Electron main process and
// in `socket-warden serve`; imports nothing from electron.
//
// Each part starts in turn through a Lifecycle and says how it stops: a part that cannot start stops
// the ones before it (last first) and the start fails with the part's name and the reason, leaving no
// socket, timer or watcher behind; close() stops them all the same way.
import { readdirSync, rmSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createContractEventEmitter,
  type AppState,
  type ContractEventEmitter,
  type ContractHandlers,
  type Status,
} from '../../shared/ipc-contract.js';
import { refreshIntervalMinutes, wardenPolicy } from '../../shared/settings.js';
import { createContractHandlers } from './contract/contract-handlers.js';
import { socketsDirIn, userPaths, type WardenPaths } from './default-paths.js';
import { startUiServer } from './contract/http-transport.js';
import {
  contractSocketsFromEnv,
  startContractSockets,
  type ContractSocketsOptions,
} from './contract/managed-contract.js';
import { personalDefaultStatus, setPersonalDefault } from './contract/personal-default-io.js';
import { feedContractEvents } from './daemon-parts/contract-events.js';
import { daemonStatus } from './daemon-parts/daemon-status.js';
import { EngineFacts } from './daemon-parts/engine-facts.js';
import { knownEngineGate } from './daemon-parts/known-engine-gate.js';
import { EngineWatch } from './daemon-parts/engine-watch.js';
import { HostAllowance } from './daemon-parts/host-allowance.js';
import { PolicyEntries } from './daemon-parts/policy-entries.js';
import { policySummary } from './daemon-parts/policy-summary.js';
import { EngineClient } from './engine-api/engine-client.js';
import { FilteredSocketManager } from './filtered-sockets/filtered-socket-manager.js';
import { GuardWatch } from './guards/guard-watch.js';
import { MountVerifier } from './guards/mount-verifier.js';
import { HistoryStore, historyDirIn } from './history/history-store.js';
import { EngineImages } from './images/engine-images.js';
import { MismatchedImages } from './images/mismatched-images.js';
import { Lifecycle } from './lifecycle.js';
import type { Log } from './log.js';
import { newInstanceId } from './loop/hop-header.js';
import { LoopGuard } from './loop/loop-guard.js';
import { probeForLoop } from './loop/loop-probe.js';
import { LoopWatch } from './loop/loop-watch.js';
import { selfUpstreamProblem } from './loop/self-upstream.js';
import { socketIdentity } from './loop/socket-identity.js';
import { PolicyGate } from './policy/policy-gate.js';
import { proxyLimits, type ProxyLimitOverrides } from './proxy/client-limits.js';
import { ProxyClients } from './proxy/proxy-clients.js';
import { ProxyServer } from './proxy/proxy-server.js';
import { Upstream } from './proxy/upstream.js';
import { engineReachIo } from './reach/engine-reach-io.js';
import { RequesterAllowances } from './reach/requester-allowance.js';
import { DigestRefresher } from './registry/digest-refresher.js';
import { DockerConfigCredentials } from './registry/docker-credentials.js';
import { createImageOracle } from './registry/image-oracle.js';
import { RegistryClient } from './registry/registry-client.js';
import { moveLegacyFiles } from './settings/legacy-files.js';
import { PolicySource } from './settings/policy-source.js';
import type { ConfLike } from './settings/json-file-store.js';
import { UserSettingsStore } from './settings/user-settings-store.js';
import { errorMessage } from '../../shared/error-message.js';

export interface DaemonOptions {
  upstream: string;
  listen: string;
  /** Managed mode: Socket Warden is the host's Docker socket (host protection on by default). */
  managed?: boolean;
  /** A socket already bound to `listen` and listening (systemd's socket activation). */
  listenFd?: number;
  /** `--data-dir`: settings, history and filtered sockets all under it (ignored when `paths` is given). */
  dataDir?: string;
  /** Where settings, history and sockets go (default-paths.ts); default: `userPaths({ dataDir })`. */
  paths?: WardenPaths;
  adminSettings: string;
  ui?: { port: number };
  /** The contract on unix sockets, for the tray app of a managed host (default in managed mode: SOCKET_WARDEN_CONTRACT_DIR). */
  contractSockets?: ContractSocketsOptions | false;
  /** Registry digests are re-checked this often (default: the user's setting, 15 min). */
  refreshIntervalMs?: number;
  /** The app passes an electron-store factory; headless mode writes the same file itself (JsonFileStore). */
  createStore?: (options: { cwd: string; configName: string }) => ConfLike;
  log: Log;
  /** What each client of the proxy may hold and for how long (defaults: proxy/client-limits.ts). */
  proxyLimits?: ProxyLimitOverrides;
  /**
   * Where the parts are registered. `serve` passes its own so that a signal can stop a daemon that is
   * still starting, and abandon one whose stop hangs; by default the daemon makes one.
   */
  lifecycle?: Lifecycle;
}

export interface Daemon {
  listenPath: string;
  upstreamPath: string;
  uiUrl?: string;
  /** The contract's unix sockets, when served. */
  contractSockets?: { readSocket: string; editSocket: string };
  handlers: ContractHandlers;
  events: ContractEventEmitter;
  close(): Promise<void>;
}

/** How long in-flight requests on the main socket may take to finish when the daemon stops. */
export const SHUTDOWN_GRACE_MS = 3000;

export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const { log } = options;
  const life =
    options.lifecycle ??
    new Lifecycle({ onStopError: (part, error) => log.error(`stopping ${part}: ${String(error)}`) });
  try {
    return await startParts(options, life);
  } catch (error) {
    // A part that failed has stopped the others already; anything failing between parts has not.
    await life.stop();
    throw error;
  }
}

async function startParts(options: DaemonOptions, life: Lifecycle): Promise<Daemon> {
  const { log } = options;
  const start = life.start.bind(life);
  const paths = options.paths ?? userPaths({ dataDir: options.dataDir });
  const socketsDir = socketsDirIn(paths);

  // Before anything is made: an upstream that is our own socket would take every request round a loop.
  await start('upstream', async () => {
    const problem = selfUpstreamProblem(
      await socketIdentity(options.upstream),
      await socketIdentity(options.listen),
    );
    if (problem) throw new Error(problem);
    return { value: undefined };
  });
  await start('data directory', async () => {
    for (const dir of new Set([paths.settingsDir, paths.stateDir, paths.runtimeDir]))
      await fs.mkdir(dir, { recursive: true, mode: 0o750 });
    // Settings and history from before the XDG directories, moved once before they are opened.
    await moveLegacyFiles({ legacyDir: paths.legacyDataDir, ...paths, log });
    return { value: undefined };
  });

  // Settings first: an invalid admin file refuses the start (never starts open).
  const policySource = await start('settings', async () => {
    const userStore = UserSettingsStore.open({
      dataDir: paths.settingsDir,
      log,
      createStore: options.createStore,
    });
    const source = await PolicySource.open({
      adminFile: options.adminSettings,
      userStore,
      log,
      ...(options.managed ? { managed: true } : {}),
    });
    const { writableWarning } = source.adminStatus();
    if (writableWarning) log.warn(writableWarning);
    return { value: source, stop: () => source.close() };
  });
  const policy = (): ReturnType<PolicySource['current']> => policySource.current();

  const history = await start('history', async () => {
    const store = await HistoryStore.open(historyDirIn(paths.stateDir));
    return { value: store, stop: () => store.close() };
  });

  const { engine, upstream } = await start('engine client', () => {
    const client = new EngineClient(options.upstream);
    const pool = new Upstream(options.upstream);
    return {
      value: { engine: client, upstream: pool },
      stop: () => {
        pool.close();
        client.close();
      },
    };
  });
  const engineSocket = await fs.stat(options.upstream).catch(() => null);
  if (!engineSocket)
    log.warn(`engine socket ${options.upstream} not found yet; requests get an error until it appears`);
  // Managed mode: the engine's socket is root-only; the group that may use Docker is the listen socket's.
  const clientGid =
    options.listenFd === undefined
      ? engineSocket?.gid
      : (await fs.stat(options.listen).catch(() => null))?.gid;

  const images = await start('images', () => {
    const engineImages = new EngineImages(engine);
    engineImages.watch();
    return { value: engineImages, stop: () => engineImages.stop() };
  });

  const entries = new PolicyEntries(policy());
  const refresher = await start('digest refresher', () => {
    const digests = new DigestRefresher({
      client: new RegistryClient({ credentials: new DockerConfigCredentials() }),
      intervalMs: options.refreshIntervalMs ?? refreshIntervalMinutes(policySource.userSettings()) * 60_000,
      concurrency: 4,
      timeoutMs: 10_000,
    });
    // Host protection's exempt images are verified by digest too.
    digests.setEntries(entries.all());
    digests.start();
    return { value: digests, stop: () => digests.stop() };
  });

  const facts = new EngineFacts({
    engine,
    upstream: options.upstream,
    listen: options.listen,
    filteredSocketsDir: socketsDir,
    adminPaths: () => wardenPolicy(policy()).guardedPaths,
  });
  const guards = await start('guards', async () => {
    const watch = new GuardWatch({ sources: () => facts.learn(), log });
    await watch.start();
    return { value: watch, stop: () => watch.stop() };
  });

  const hostAllowance = new HostAllowance();
  await start('host protection', async () => {
    await hostAllowance.resolve(policy());
    return { value: undefined };
  });

  const loop = new LoopGuard({
    instanceId: newInstanceId(),
    upstream: options.upstream,
    listen: options.listen,
    onRepeatBurst: () => void loopWatch.probe(),
  });
  // Pooled engine connections lead wherever the upstream path led when they were made: once a loop is
  // found (or gone) they are dropped, which also cuts the copies of a request going round.
  const loopWatch = new LoopWatch(options.upstream, loop, log, () => upstream.close());
  const reach = engineReachIo(engine);
  const mismatched = new MismatchedImages(refresher, images);
  const policyGate = new PolicyGate({
    policy,
    imageEntries: () => entries.images,
    routeContext: async () => ({ ...(await guards.context()), engine: facts.kind }),
    engineDefaults: () => facts.defaults(),
    reach,
    allowances: new RequesterAllowances(reach, () => hostAllowance.current()),
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
    buildKitPushes: () => facts.containerdImageStore,
    imageStore: () => ({
      repoDigestsProveRegistry: !facts.containerdImageStore && facts.kind !== 'podman',
    }),
    exemptEntries: () => entries.exempt,
  });
  // A loop's requests are refused before the policy judges them; nothing is judged before the engine
  // has said what it is.
  const gate = loop.gate(knownEngineGate(facts, policyGate, options.upstream));
  const clients = new ProxyClients(proxyLimits(options.proxyLimits));

  // The pane lists containers with filtered sockets; it is told once the contract is up.
  let announce = (): void => undefined;
  const filteredSockets = await start('filtered sockets', async () => {
    const manager = new FilteredSocketManager({
      clients,
      dir: socketsDir,
      upstream,
      gate,
      engine,
      gid: clientGid,
      log,
      onChange: () => announce(),
    });
    policyGate.useFilteredSockets(manager);
    await manager.start();
    return {
      value: manager,
      stop: () => manager.close(),
      abandon: () => removeSocketFiles(socketsDir),
    };
  });

  // Managed mode: what the engine starts by itself (restart policies) is checked by outcome too.
  await start('mount check', async () => {
    const verifier = new MountVerifier({
      engine,
      guards: () => guards.list(),
      ownerOf: (socketPath) => filteredSockets.ownerOf(socketPath),
      active: () => options.managed === true && policy().enforcing,
      record: (entry) => {
        history
          .append(entry)
          .catch((error: unknown) => log.error(`history: cannot record a denial: ${String(error)}`));
      },
      log,
    });
    if (options.managed) verifier.start();
    return { value: verifier, stop: () => verifier.stop() };
  });

  const main = await start('proxy socket', async () => {
    const server = await ProxyServer.listen({
      listenPath: options.listen,
      listenFd: options.listenFd,
      upstream,
      gate,
      requester: { kind: 'host' },
      client: clients.host(),
      gid: engineSocket?.gid,
      onError: (error) => log.error(`proxy: ${error.stack ?? error.message}`),
    });
    return {
      value: server,
      stop: () => server.close(SHUTDOWN_GRACE_MS),
      // An inherited socket is systemd's: it stays, and queues clients for our next start.
      abandon: () => {
        if (options.listenFd === undefined) rmSync(options.listen, { force: true });
      },
    };
  });

  // Now that we listen, a loop through other proxies shows: our probe comes back to us.
  await start('loop check', async () => {
    const problem = selfUpstreamProblem(
      await socketIdentity(options.upstream),
      await socketIdentity(options.listen),
    );
    if (problem) throw new Error(problem);
    if ((await probeForLoop(options.upstream, loop)) === 'loop')
      throw new Error(
        `the upstream ${options.upstream} leads back to this Socket Warden's own socket ${options.listen} (through another proxy): it would proxy to itself`,
      );
    loopWatch.start();
    return { value: loopWatch, stop: () => loopWatch.stop() };
  });

  // --- status and the settings contract --------------------------------------------------------
  const engineWatch = await start('engine status', async () => {
    const watch = new EngineWatch({
      engine,
      upstream: options.upstream,
      onChange: (state) => {
        log.info(state.reachable ? 'engine reachable again' : `engine unreachable: ${state.error ?? ''}`);
        // A restarted engine may keep its state elsewhere now.
        if (state.reachable) void guards.refresh();
        announce();
      },
    });
    await watch.ask();
    watch.start();
    return { value: watch, stop: () => watch.stop() };
  });

  const status = (): Status =>
    daemonStatus({
      engine: engineWatch.state,
      listenPath: main.listenPath,
      filteredSockets: filteredSockets.status(),
      refresher: refresher.status(),
    });
  const state = (): AppState => ({ policy: policy(), status: status() });
  const events = createContractEventEmitter();

  await start('policy reloads', () => {
    const onPolicy = (next: ReturnType<PolicySource['current']>): void => {
      entries.update(next);
      refresher.setEntries(entries.all());
      void hostAllowance
        .resolve(next)
        .catch((error: unknown) =>
          log.error(`host protection: cannot resolve the bindable paths: ${String(error)}`),
        );
      void guards.refresh();
      log.info(policySummary(next));
      announce();
    };
    policySource.on('policy', onPolicy);
    return { value: undefined, stop: () => void policySource.off('policy', onPolicy) };
  });

  const handlers = await start('settings contract', () => {
    const unfeed = feedContractEvents({ events, policySource, history, refresher, status, state, log });
    // Once per turn of the event loop, and only to someone listening: building and validating the whole
    // state on every change was most of the daemon's work per create with a socket mount.
    let announcing = false;
    announce = () => {
      if (announcing) return;
      announcing = true;
      setImmediate(() => {
        announcing = false;
        if (events.listening()) events.emit('stateChanged', state());
      });
    };
    const contract = createContractHandlers({
      policySource,
      history,
      images,
      mismatched,
      entries: () => entries.images,
      refresher,
      events,
      state,
      status,
      // Personal mode only: a managed daemon runs as root, whose docker context is nobody's default.
      ...(options.managed ? {} : { personalDefault: personalDefault(main.listenPath, paths.settingsDir) }),
    });
    return {
      value: contract,
      stop: () => {
        announce = () => undefined;
        unfeed();
      },
    };
  });

  const ui = options.ui
    ? await start('settings pane', async () => {
        const port = options.ui?.port ?? 0;
        const server = await startUiServer({
          handlers,
          events,
          port,
          staticDir: fileURLToPath(new URL('../../renderer/', import.meta.url)),
          onInternalError: (request, error) => log.error(`ui ${request}: ${String(error)}`),
        }).catch((error: unknown) => {
          throw new Error(uiListenProblem(error, port));
        });
        return { value: server, stop: () => server.close() };
      })
    : undefined;

  const socketsOption =
    options.contractSockets === false
      ? undefined
      : (options.contractSockets ?? (options.managed ? contractSocketsFromEnv(process.env) : undefined));
  // Not fatal: a tray app that cannot connect changes nothing about what the proxy guards.
  const contractSockets = socketsOption
    ? await start('contract sockets', async () => {
        try {
          const server = await startContractSockets({
            handlers,
            events,
            sockets: socketsOption,
            readGid: clientGid,
            log,
          });
          return { value: server, stop: () => server.close() };
        } catch (error) {
          log.error(`settings contract: cannot serve ${socketsOption.dir}: ${String(error)}`);
          return { value: undefined };
        }
      })
    : undefined;

  return {
    listenPath: main.listenPath,
    upstreamPath: options.upstream,
    uiUrl: ui?.url,
    ...(contractSockets
      ? {
          contractSockets: { readSocket: contractSockets.readSocket, editSocket: contractSockets.editSocket },
        }
      : {}),
    handlers,
    events,
    close: () => life.stop(),
  };
}

/** `socket-warden default` for the contract: the user running this daemon, its guarded socket. */
function personalDefault(listen: string, settingsDir: string) {
  const io = {
    listen,
    home: os.homedir(),
    stateFile: path.join(settingsDir, 'default-state.json'),
    env: process.env,
  };
  return { status: () => personalDefaultStatus(io), set: (on: boolean) => setPersonalDefault(on, io) };
}

/** The pane's port in words a user acts on ("in use", not EADDRINUSE and a stack). */
function uiListenProblem(error: unknown, port: number): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') return `127.0.0.1:${port} is already in use (--ui-port)`;
  if (code === 'EACCES') return `127.0.0.1:${port} may not be used by this user (--ui-port)`;
  return errorMessage(error);
}

/** Synchronously, for a stop that hangs: the filtered sockets' files (a new start makes them again). */
function removeSocketFiles(dir: string): void {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const entry of entries) if (entry.endsWith('.sock')) rmSync(path.join(dir, entry), { force: true });
}
