// Learns the host paths to guard, from the running engine where it can and from the usual places
// otherwise: the engine's socket and its other names, Socket Warden's sockets, the engine's state
// (data-root from /info; exec-root and containerd from the engine's own flags and daemon.json), every
// engine socket listening on the host, the defaults of Docker, containerd, BuildKit, Podman and
// rootless Docker, and what the admin adds. Each existing path is resolved, given its identity and
// its other names through the mount table. See docs/guarded-paths.md.
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { cleanPath } from '../policy/host-path.js';
import type { EngineProcess } from './engine-process.js';
import type { FileIdentity } from './file-identity.js';
import type { Guard, GuardKind } from './guard.js';
import { mountAliases, parseMountInfo, type MountInfoEntry } from './mount-aliases.js';
import { looksLikeEngineSocket, readUnixListeners } from './unix-listeners.js';

export interface GuardSources {
  /** The engine socket Socket Warden forwards to. */
  upstream: string;
  /** Socket Warden's own listening sockets (the main socket). */
  listen: readonly string[];
  filteredSocketsDir: string;
  /** `DockerRootDir` from the engine's /info, when it answered. */
  dataRoot?: string;
  /** The engine's own process, when it could be found (root only). */
  engine?: EngineProcess;
  /** Paths from the admin settings. */
  adminPaths?: readonly string[];
}

interface Candidate {
  path: string;
  kind: GuardKind;
  what: string;
  socket?: boolean;
}

const DOCKER_SOCKET = 'the Docker socket';

/** Where engines keep their sockets and state when nobody moved them. */
const DEFAULTS: readonly Candidate[] = [
  { path: '/var/run/docker.sock', kind: 'engine-socket', what: DOCKER_SOCKET, socket: true },
  { path: '/run/docker.sock', kind: 'engine-socket', what: DOCKER_SOCKET, socket: true },
  { path: '/var/lib/docker', kind: 'engine-state', what: "the Docker Engine's data-root" },
  { path: '/var/run/docker', kind: 'engine-state', what: "the Docker Engine's exec-root" },
  { path: '/run/docker', kind: 'engine-state', what: "the Docker Engine's exec-root" },
  { path: '/run/containerd', kind: 'engine-state', what: "containerd's sockets" },
  { path: '/var/lib/containerd', kind: 'engine-state', what: "containerd's state" },
  { path: '/run/buildkit', kind: 'engine-state', what: "BuildKit's socket" },
  { path: '/var/lib/buildkit', kind: 'engine-state', what: "BuildKit's state" },
  { path: '/etc/docker', kind: 'engine-state', what: "the Docker Engine's configuration" },
  { path: '/usr/lib/docker/plugins', kind: 'engine-state', what: 'Docker plugin sockets' },
  { path: '/etc/docker/plugins', kind: 'engine-state', what: 'Docker plugin specs' },
  { path: '/run/podman', kind: 'other-engine', what: "Podman's socket" },
  { path: '/run/containers', kind: 'other-engine', what: "Podman's run-root" },
  { path: '/var/lib/containers', kind: 'other-engine', what: "Podman's storage" },
  { path: '/run/libpod', kind: 'other-engine', what: "Podman's state" },
  { path: '/run/crio', kind: 'other-engine', what: "CRI-O's socket" },
  { path: '/run/cri-dockerd.sock', kind: 'other-engine', what: "cri-dockerd's socket", socket: true },
  { path: '/run/k3s', kind: 'other-engine', what: "k3s's containerd" },
];

/**
 * Per-user engines: rootless Docker and Podman under each user's runtime and data directories. Only
 * the ones that exist are guarded: guarding every user's would-be paths would refuse binds of /home.
 */
async function perUserCandidates(): Promise<Candidate[]> {
  const all = await possiblePerUserCandidates();
  const present = await Promise.all(
    all.map((c) =>
      stat(c.path).then(
        () => true,
        () => false,
      ),
    ),
  );
  return all.filter((_, i) => present[i]);
}

async function possiblePerUserCandidates(): Promise<Candidate[]> {
  const out: Candidate[] = [];
  for (const uid of await readdir('/run/user').catch(() => [] as string[])) {
    const dir = `/run/user/${uid}`;
    out.push(
      { path: `${dir}/docker.sock`, kind: 'other-engine', what: 'a rootless Docker socket', socket: true },
      { path: `${dir}/docker`, kind: 'other-engine', what: "a rootless Docker Engine's exec-root" },
      { path: `${dir}/containerd-rootless`, kind: 'other-engine', what: 'a rootless containerd' },
      { path: `${dir}/podman`, kind: 'other-engine', what: 'a rootless Podman socket' },
      { path: `${dir}/containers`, kind: 'other-engine', what: "a rootless Podman's run-root" },
      { path: `${dir}/libpod`, kind: 'other-engine', what: "a rootless Podman's state" },
    );
  }
  const homes = ['/root', ...(await readdir('/home').catch(() => [] as string[])).map((h) => `/home/${h}`)];
  for (const home of homes) {
    out.push(
      { path: `${home}/.local/share/docker`, kind: 'other-engine', what: "a rootless Docker's data-root" },
      { path: `${home}/.local/share/containers`, kind: 'other-engine', what: "a rootless Podman's storage" },
      { path: `${home}/.docker/run`, kind: 'other-engine', what: 'a Docker Desktop socket directory' },
    );
  }
  return out;
}

function fromEngine(sources: GuardSources): Candidate[] {
  const out: Candidate[] = [
    { path: sources.upstream, kind: 'engine-socket', what: DOCKER_SOCKET, socket: true },
    ...sources.listen.map((p): Candidate => ({
      path: p,
      kind: 'engine-socket',
      what: "Socket Warden's socket",
      socket: true,
    })),
    { path: sources.filteredSocketsDir, kind: 'filtered-sockets', what: "Socket Warden's filtered sockets" },
  ];
  if (sources.dataRoot)
    out.push({ path: sources.dataRoot, kind: 'engine-state', what: "the engine's data-root" });
  const flags = sources.engine?.flags;
  if (flags?.dataRoot)
    out.push({ path: flags.dataRoot, kind: 'engine-state', what: "the engine's data-root" });
  if (flags?.execRoot)
    out.push({ path: flags.execRoot, kind: 'engine-state', what: "the engine's exec-root" });
  if (flags?.containerd)
    out.push({
      path: flags.containerd,
      kind: 'engine-state',
      what: "the engine's containerd socket",
      socket: true,
    });
  if (flags?.storageRoot)
    out.push({ path: flags.storageRoot, kind: 'engine-state', what: "the engine's storage root" });
  if (flags?.runRoot) out.push({ path: flags.runRoot, kind: 'engine-state', what: "the engine's run-root" });
  if (flags?.pidFile) out.push({ path: flags.pidFile, kind: 'engine-state', what: "the engine's pid file" });
  for (const host of flags?.hosts ?? []) {
    if (host.startsWith('unix://'))
      out.push({
        path: host.slice('unix://'.length),
        kind: 'engine-socket',
        what: DOCKER_SOCKET,
        socket: true,
      });
  }
  return out;
}

async function identityOf(p: string): Promise<{ identity: FileIdentity; socket: boolean } | undefined> {
  try {
    const s = await stat(p);
    return { identity: { dev: s.dev, ino: s.ino }, socket: s.isSocket() };
  } catch {
    return undefined;
  }
}

async function ancestorsOf(p: string): Promise<FileIdentity[]> {
  const out: FileIdentity[] = [];
  for (let dir = path.dirname(p); ; dir = path.dirname(dir)) {
    const found = await identityOf(dir);
    if (found) out.push(found.identity);
    if (dir === '/') return out;
  }
}

async function readMountTable(engine: EngineProcess | undefined): Promise<MountInfoEntry[]> {
  // The engine resolves bind sources in its own mount namespace: read its table when we can.
  for (const file of [engine ? `/proc/${engine.pid}/mountinfo` : '', '/proc/self/mountinfo']) {
    if (!file) continue;
    const text = await readFile(file, 'utf8').catch(() => '');
    if (text) return parseMountInfo(text);
  }
  return [];
}

/** Every path to guard, resolved, each with its identity and its other names through mounts. */
export async function discoverGuards(sources: GuardSources): Promise<Guard[]> {
  const listeners = (await readUnixListeners()).filter((l) => looksLikeEngineSocket(l.path));
  const candidates: Candidate[] = [
    ...fromEngine(sources),
    ...DEFAULTS,
    ...(await perUserCandidates()),
    ...listeners.map((l): Candidate => ({
      path: l.path,
      kind: 'other-engine',
      what: `an engine socket listening on this host`,
      socket: true,
    })),
    ...(sources.adminPaths ?? []).map((p): Candidate => ({
      path: p,
      kind: 'admin',
      what: 'a path the admin guards',
    })),
  ];
  const table = await readMountTable(sources.engine);
  const byPath = new Map<string, Guard>();
  const add = (guard: Guard): void => {
    const existing = byPath.get(guard.path);
    // The first word on a path wins: the engine's own socket before "a socket listening here".
    if (!existing) byPath.set(guard.path, guard);
  };
  for (const candidate of candidates) {
    const spelled = cleanPath(path.resolve(candidate.path));
    const real = await realpath(spelled).catch(() => undefined);
    const found = real ? await identityOf(real) : undefined;
    if (!real) {
      // Not there (yet): guarded as spelled, so making it later does not open a way in.
      add({ path: spelled, kind: candidate.kind, what: candidate.what, socket: candidate.socket });
      continue;
    }
    const guard: Guard = {
      path: real,
      kind: candidate.kind,
      what: candidate.what,
      identity: found?.identity,
      ancestors: await ancestorsOf(real),
      socket: found?.socket ?? candidate.socket,
    };
    add(guard);
    if (spelled !== real) add({ ...guard, path: spelled });
    for (const alias of mountAliases(real, table)) add({ ...guard, path: alias });
  }
  return [...byPath.values()];
}
