// Gathers the HostFacts: reads files under the root, asks systemctl (unless told not to) and the engine.
// All the reading is here; what it means is decided in preflight.ts, the plans and managed-status.ts.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { systemInstallStateSchema } from '../../../shared/system-install-state.js';
import { parseDaemonJson, parseEnvironmentFile } from './dockerd-config.js';
import { groupId } from './etc-group.js';
import { engineGet } from './engine-query.js';
import type { EngineFact, FileFact, HostFacts, StateFact } from './host-facts.js';
import { inRoot, MANAGED, UNIT_NAMES, UNIT_SEARCH_PATH, type UnitName } from './managed-layout.js';
import { parseSystemctlShow, SHOW_PROPERTIES, type UnitState } from './systemctl-show.js';
import { effectiveExecStart, effectiveListen, orderDropIns } from './unit-file.js';
import { listeningUnixSockets, otherEngineSockets } from './unix-listeners.js';
import { errorMessage } from '../../../shared/error-message.js';

const execFileAsync = promisify(execFile);

export interface GatherOptions {
  /** "/" for the host; a directory for --root. */
  root: string;
  /** Ask systemd (systemctl show); false reads the unit files instead. */
  systemctl: boolean;
  /** Ask the engine for its version and running containers. */
  askEngine: boolean;
}

/** The files the checks and plans look at. */
const WATCHED_PATHS: readonly string[] = [
  MANAGED.socketUnit,
  MANAGED.serviceUnit,
  MANAGED.dockerSocketDropIn,
  MANAGED.dockerSocketDropInDir,
  MANAGED.adminSettings,
  MANAGED.adminSettingsDir,
  MANAGED.dataDir,
  MANAGED.binary,
  MANAGED.hostSocket,
  MANAGED.engineSocket,
  MANAGED.engineSocketDir,
];

export async function gatherFacts(options: GatherOptions): Promise<HostFacts> {
  const at = (hostPath: string): string => inRoot(options.root, hostPath);
  const systemd = options.systemctl ? await systemdVersion() : { version: null };
  const units = options.systemctl ? await unitsFromSystemctl() : await unitsFromFiles(options.root);
  const mainPid = units['docker.service'].mainPid;
  const files: Record<string, FileFact> = {};
  for (const hostPath of WATCHED_PATHS) files[hostPath] = await fileFact(at(hostPath), hostPath);
  const daemonJsonText = await readText(at(MANAGED.daemonJson));

  return {
    root: options.root,
    source: options.systemctl ? 'systemctl' : 'files',
    pid1: (await readText(at('/proc/1/comm')))?.trim() ?? null,
    systemd: systemd.version,
    ...(systemd.error ? { systemdError: systemd.error } : {}),
    units,
    engineArgv: mainPid > 0 ? await cmdline(at(`/proc/${mainPid}/cmdline`)) : null,
    dockerEnv: parseEnvironmentFile((await readText(at(MANAGED.dockerDefaults))) ?? ''),
    daemonJson: parseDaemonJson(daemonJsonText),
    otherEngines: otherEngineSockets([
      ...listeningUnixSockets((await readText(at('/proc/net/unix'))) ?? ''),
      ...(await otherEngineSocketFiles(options.root)),
    ]),
    otherEngineBinaries: await existing(options.root, [
      '/usr/bin/podman',
      '/usr/bin/dockerd-rootless.sh',
      '/usr/bin/dockerd-rootless-setuptool.sh',
    ]),
    files,
    engine: options.askEngine ? await engineFact(files) : null,
    state: await readState(at(MANAGED.stateFile)),
    dockerGid: groupId((await readText(at('/etc/group'))) ?? '', 'docker'),
  };
}

async function systemdVersion(): Promise<{ version: string | null; error?: string }> {
  try {
    const { stdout } = await execFileAsync('systemctl', ['--version'], { timeout: 10_000 });
    return { version: stdout.split('\n')[0]?.trim() ?? '' };
  } catch (error) {
    return { version: null, error: errorMessage(error).split('\n')[0] };
  }
}

function unknownUnit(id: string): UnitState {
  return {
    id,
    loadState: 'unknown',
    activeState: 'unknown',
    unitFileState: 'unknown',
    listen: [],
    execStart: null,
    mainPid: 0,
    needDaemonReload: false,
    fragmentPath: '',
    dropInPaths: [],
  };
}

async function unitsFromSystemctl(): Promise<Record<UnitName, UnitState>> {
  const units = Object.fromEntries(UNIT_NAMES.map((name) => [name, unknownUnit(name)])) as Record<
    UnitName,
    UnitState
  >;
  try {
    const { stdout } = await execFileAsync(
      'systemctl',
      ['show', ...UNIT_NAMES, '-p', SHOW_PROPERTIES.join(',')],
      {
        timeout: 10_000,
      },
    );
    for (const unit of parseSystemctlShow(stdout)) {
      if ((UNIT_NAMES as readonly string[]).includes(unit.id)) units[unit.id as UnitName] = unit;
    }
  } catch {
    // Reported by the systemctl check; the units stay "unknown".
  }
  return units;
}

/** What the unit files under root say, for --root and --no-systemctl: no states, only contents. */
async function unitsFromFiles(root: string): Promise<Record<UnitName, UnitState>> {
  const units = {} as Record<UnitName, UnitState>;
  for (const name of UNIT_NAMES) {
    const unit = unknownUnit(name);
    let fragment: string | null = null;
    for (const dir of UNIT_SEARCH_PATH) {
      const candidate = inRoot(root, path.join(dir, name));
      const target = await fs.readlink(candidate).catch(() => null);
      if (target === '/dev/null') {
        unit.loadState = 'masked';
        break;
      }
      const text = await readText(candidate);
      if (text !== null) {
        fragment = text;
        unit.fragmentPath = path.join(dir, name);
        break;
      }
    }
    if (fragment !== null) {
      const listings = [];
      for (const dir of UNIT_SEARCH_PATH) {
        const files = await fs.readdir(inRoot(root, path.join(dir, `${name}.d`))).catch(() => [] as string[]);
        listings.push({ dir: path.join(dir, `${name}.d`), files });
      }
      unit.dropInPaths = orderDropIns(listings);
      const texts = [fragment];
      for (const dropIn of unit.dropInPaths) texts.push((await readText(inRoot(root, dropIn))) ?? '');
      unit.loadState = 'loaded';
      unit.listen = effectiveListen(texts);
      unit.execStart = effectiveExecStart(texts);
      const wants = await fs.readdir(inRoot(root, '/etc/systemd/system')).catch(() => [] as string[]);
      const enabled = await Promise.all(
        wants
          .filter((dir) => dir.endsWith('.wants'))
          .map((dir) =>
            fs.lstat(inRoot(root, `/etc/systemd/system/${dir}/${name}`)).then(
              () => true,
              () => false,
            ),
          ),
      );
      unit.unitFileState = enabled.some(Boolean) ? 'enabled' : 'disabled';
    } else if (unit.loadState !== 'masked') {
      unit.loadState = 'not-found';
    }
    units[name] = unit;
  }
  return units;
}

async function fileFact(realPath: string, hostPath: string): Promise<FileFact> {
  const stat = await fs.lstat(realPath).catch(() => null);
  if (!stat) return { path: hostPath, exists: false };
  const fact: FileFact = {
    path: hostPath,
    exists: true,
    isSocket: stat.isSocket(),
    isDirectory: stat.isDirectory(),
    mode: stat.mode & 0o7777,
    uid: stat.uid,
    gid: stat.gid,
  };
  if (stat.isFile() && stat.size <= 1024 * 1024) fact.content = await fs.readFile(realPath);
  return fact;
}

async function readText(file: string): Promise<string | null> {
  return fs.readFile(file, 'utf8').catch(() => null);
}

async function cmdline(file: string): Promise<string[] | null> {
  const text = await readText(file);
  return text === null ? null : text.split('\0').filter(Boolean);
}

async function existing(root: string, paths: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const p of paths)
    if (
      await fs.lstat(inRoot(root, p)).then(
        () => true,
        () => false,
      )
    )
      found.push(p);
  return found;
}

/** Socket files at the other engines' paths, listening or not (a socket-activated one waits for a client). */
async function otherEngineSocketFiles(root: string): Promise<string[]> {
  const candidates = ['/run/podman/podman.sock'];
  for (const uid of await fs.readdir(inRoot(root, '/run/user')).catch(() => [] as string[])) {
    candidates.push(`/run/user/${uid}/docker.sock`, `/run/user/${uid}/podman/podman.sock`);
  }
  const sockets: string[] = [];
  for (const candidate of candidates) {
    const stat = await fs.lstat(inRoot(root, candidate)).catch(() => null);
    if (stat?.isSocket()) sockets.push(candidate);
  }
  return sockets;
}

/** Asks the engine (on its own socket once moved, else on the standard one) what it is and runs. */
async function engineFact(files: Record<string, FileFact>): Promise<EngineFact> {
  const socket = files[MANAGED.engineSocket]?.isSocket ? MANAGED.engineSocket : MANAGED.hostSocket;
  try {
    const info = (await engineGet(socket, '/info')) as {
      ServerVersion?: string;
      ContainersRunning?: number;
      LiveRestoreEnabled?: boolean;
    };
    const version = (await engineGet(socket, '/version')) as { ApiVersion?: string };
    return {
      reachable: true,
      socket,
      version: info.ServerVersion ?? 'unknown',
      apiVersion: version.ApiVersion ?? 'unknown',
      containersRunning: info.ContainersRunning ?? 0,
      liveRestore: info.LiveRestoreEnabled === true,
    };
  } catch (error) {
    return { reachable: false, socket, error: errorMessage(error) };
  }
}

async function readState(file: string): Promise<StateFact> {
  const text = await readText(file);
  if (text === null) return { kind: 'absent' };
  try {
    const parsed = systemInstallStateSchema.safeParse(JSON.parse(text));
    return parsed.success
      ? { kind: 'ok', state: parsed.data }
      : { kind: 'invalid', error: parsed.error.message };
  } catch (error) {
    return { kind: 'invalid', error: `not JSON: ${errorMessage(error)}` };
  }
}
