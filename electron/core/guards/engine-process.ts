// The process that serves the engine's socket and where it keeps its state, read from its command
// line and its daemon.json: the real data-root, exec-root and containerd socket of *this* engine,
// which need not be the defaults (the test stack's are all private). Needs to read other users'
// /proc/<pid>/fd, so it works as root; otherwise Socket Warden falls back to what /info says and
// to the defaults. Parsing is pure (parseEngineFlags); the rest is I/O.
import { readdir, readFile, readlink } from 'node:fs/promises';
import { readUnixListeners } from './unix-listeners.js';

export interface EngineProcess {
  pid: number;
  /** dockerd, podman, … (the executable's base name). */
  program: string;
  flags: EngineFlags;
}

export interface EngineFlags {
  dataRoot?: string;
  execRoot?: string;
  containerd?: string;
  configFile?: string;
  pidFile?: string;
  /** Every -H/--host the engine listens on, as given (unix://…, tcp://…, fd://). */
  hosts: string[];
  /** Podman's --root and --runroot. */
  storageRoot?: string;
  runRoot?: string;
}

const FLAG_NAMES: Record<string, keyof Omit<EngineFlags, 'hosts'> | 'hosts'> = {
  '--data-root': 'dataRoot',
  '-g': 'dataRoot',
  '--graph': 'dataRoot',
  '--exec-root': 'execRoot',
  '--containerd': 'containerd',
  '--config-file': 'configFile',
  '--pidfile': 'pidFile',
  '-p': 'pidFile',
  '-H': 'hosts',
  '--host': 'hosts',
  '--root': 'storageRoot',
  '--runroot': 'runRoot',
};

/** Go's flag package: `--x v`, `--x=v`, `-x v`; the last of a single-valued flag wins. */
export function parseEngineFlags(argv: readonly string[]): EngineFlags {
  const flags: EngineFlags = { hosts: [] };
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    let key = FLAG_NAMES[name] ?? FLAG_NAMES[name.replace(/^-(?=[a-z]{2,})/, '--')];
    let attached = eq > 0 ? arg.slice(eq + 1) : undefined;
    // pflag shorthands also take their value attached: `-Hunix:///run/x.sock`, `-g/srv/docker`.
    const short = FLAG_NAMES[arg.slice(0, 2)];
    if (!key && short && /^-[A-Za-z]./.test(arg)) {
      key = short;
      attached = arg.slice(2).replace(/^=/, '');
    }
    if (!key) {
      // podman system service [URI]: the listening address is a positional argument.
      if (/^(unix|tcp):\/\//.test(arg)) flags.hosts.push(arg);
      continue;
    }
    const value = attached ?? argv[++i];
    if (value === undefined) break;
    if (key === 'hosts') flags.hosts.push(value);
    else flags[key] = value;
  }
  return flags;
}

/** The parts of daemon.json that move the engine's state or add listeners. */
export function parseDaemonJson(text: string): Partial<EngineFlags> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null) return {};
  const json = parsed as Record<string, unknown>;
  const str = (key: string): string | undefined => (typeof json[key] === 'string' ? json[key] : undefined);
  const out: Partial<EngineFlags> = {};
  const dataRoot = str('data-root') ?? str('graph');
  if (dataRoot) out.dataRoot = dataRoot;
  const execRoot = str('exec-root');
  if (execRoot) out.execRoot = execRoot;
  const containerd = str('containerd');
  if (containerd) out.containerd = containerd;
  if (Array.isArray(json.hosts)) out.hosts = json.hosts.filter((h): h is string => typeof h === 'string');
  return out;
}

/** The pid of a process holding the listening socket at `socketPath`, preferring an engine over systemd. */
async function socketOwner(socketPath: string): Promise<{ pid: number; argv: string[] } | undefined> {
  const listeners = await readUnixListeners();
  const inodes = new Set(listeners.filter((l) => l.path === socketPath).map((l) => `socket:[${l.inode}]`));
  if (inodes.size === 0) return undefined;
  let fallback: { pid: number; argv: string[] } | undefined;
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const fds = await readdir(`/proc/${entry}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const link = await readlink(`/proc/${entry}/fd/${fd}`).catch(() => '');
      if (!inodes.has(link)) continue;
      const argv = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => ''))
        .split('\0')
        .filter((a) => a !== '');
      const owner = { pid: Number(entry), argv };
      // systemd holds a socket-activated engine's socket too: the engine is the one that is not PID 1.
      if (Number(entry) !== 1) return owner;
      fallback = owner;
      break;
    }
  }
  return fallback;
}

export async function findEngineProcess(socketPath: string): Promise<EngineProcess | undefined> {
  const owner = await socketOwner(socketPath);
  if (!owner) return undefined;
  const program = (owner.argv[0] ?? '').split('/').pop() ?? '';
  const flags = parseEngineFlags(owner.argv);
  if (program === 'dockerd' || program.startsWith('dockerd')) {
    const configFile = flags.configFile ?? '/etc/docker/daemon.json';
    const fromFile = parseDaemonJson(await readFile(configFile, 'utf8').catch(() => '{}'));
    // Command-line flags win over the file where both are given (dockerd refuses conflicts anyway).
    flags.dataRoot ??= fromFile.dataRoot;
    flags.execRoot ??= fromFile.execRoot;
    flags.containerd ??= fromFile.containerd;
    flags.hosts.push(...(fromFile.hosts ?? []));
  }
  return { pid: owner.pid, program, flags };
}
