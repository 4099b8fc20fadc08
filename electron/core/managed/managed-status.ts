// Whether managed mode is in place and holds: the units active, docker.socket still moved (a Docker
// package upgrade or a stray drop-in can put it back on /run/docker.sock), /run/docker.sock answered
// by Socket Warden, and the engine's socket out of the docker group's reach. Pure over the facts and
// the probes' outcomes.
import { sha256 } from './install-plan.js';
import type { Finding } from './findings.js';
import type { HostFacts } from './host-facts.js';
import { HOST_SOCKET_NAMES, MANAGED, UNIT } from './managed-layout.js';
import type { ConnectOutcome, SocketIdentity } from './socket-probe.js';

export interface Probes {
  /** Who answers /run/docker.sock; null when not probed (--root). */
  hostSocket: SocketIdentity | null;
  /** A docker-group user connecting to the engine's socket; null when not probed. */
  dockerGroupToEngine: ConnectOutcome | null;
}

export interface ManagedStatus {
  installed: boolean;
  /** Installed, and nothing is wrong. */
  healthy: boolean;
  findings: Finding[];
}

const AROUND = 'the docker group reaches the engine there, around Socket Warden';

export function managedStatus(facts: HostFacts, probes: Probes): ManagedStatus {
  if (facts.state.kind === 'invalid') {
    return {
      installed: false,
      healthy: false,
      findings: [{ level: 'error', check: 'state', message: `${MANAGED.stateFile}: ${facts.state.error}` }],
    };
  }
  if (facts.state.kind === 'absent')
    return { installed: false, healthy: false, findings: notInstalled(facts) };
  const state = facts.state.state;
  const findings: Finding[] = [
    {
      level: 'info',
      check: 'state',
      message: `installed ${state.installedAt} (Socket Warden ${state.socketWardenVersion})`,
    },
    ...dockerSocketFindings(
      facts,
      state.files.find((f) => f.path === MANAGED.dockerSocketDropIn)?.writtenSha256,
    ),
    ...socketWardenFindings(facts),
    ...probeFindings(facts, probes),
  ];
  return { installed: true, healthy: !findings.some((f) => f.level === 'error'), findings };
}

function notInstalled(facts: HostFacts): Finding[] {
  const findings: Finding[] = [
    { level: 'info', check: 'installed', message: 'managed mode is not installed' },
  ];
  if (facts.units[UNIT.dockerSocket].listen.some((address) => HOST_SOCKET_NAMES.includes(address))) {
    findings.push({
      level: 'info',
      check: 'docker.socket',
      message: `listens on ${MANAGED.hostSocket}: ${AROUND}`,
    });
  }
  for (const unitFile of [MANAGED.socketUnit, MANAGED.serviceUnit, MANAGED.dockerSocketDropIn]) {
    if (facts.files[unitFile]?.exists) {
      findings.push({
        level: 'warn',
        check: 'leftover',
        message: `${unitFile} exists but there is no ${MANAGED.stateFile}: not installed by this command, or its record is lost`,
      });
    }
  }
  return findings;
}

function dockerSocketFindings(facts: HostFacts, dropInSha: string | undefined): Finding[] {
  const findings: Finding[] = [];
  const unit = facts.units[UNIT.dockerSocket];
  const listen = unit.listen;
  if (listen.length === 1 && listen[0] === MANAGED.engineSocket) {
    findings.push({
      level: 'ok',
      check: 'docker.socket',
      message: `listens on ${MANAGED.engineSocket} only`,
    });
  } else if (listen.some((address) => HOST_SOCKET_NAMES.includes(address))) {
    findings.push({
      level: 'error',
      check: 'docker.socket',
      message: `!!! docker.socket listens on ${MANAGED.hostSocket} again: ${AROUND}. Its drop-in was lost or overridden (a Docker package upgrade?); run \`socket-warden system install\` again`,
    });
  } else {
    findings.push({
      level: 'error',
      check: 'docker.socket',
      message: `!!! docker.socket listens on ${listen.join(', ') || 'nothing'}, not ${MANAGED.engineSocket}; run \`socket-warden system install\` again`,
    });
  }

  const dropIn = facts.files[MANAGED.dockerSocketDropIn];
  if (!dropIn?.exists || !dropIn.content) {
    findings.push({
      level: 'error',
      check: 'drop-in',
      message: `!!! ${MANAGED.dockerSocketDropIn} is missing`,
    });
  } else if (dropInSha && sha256(dropIn.content) !== dropInSha) {
    findings.push({
      level: 'warn',
      check: 'drop-in',
      message: `${MANAGED.dockerSocketDropIn} changed since install`,
    });
  } else {
    findings.push({ level: 'ok', check: 'drop-in', message: `${MANAGED.dockerSocketDropIn} is in place` });
  }
  if (
    facts.source === 'systemctl' &&
    dropIn?.exists &&
    !unit.dropInPaths.includes(MANAGED.dockerSocketDropIn)
  ) {
    findings.push({
      level: 'error',
      check: 'drop-in',
      message: `!!! systemd does not apply ${MANAGED.dockerSocketDropIn} to docker.socket (its drop-ins: ${unit.dropInPaths.join(', ') || 'none'})`,
    });
  }
  for (const name of [UNIT.dockerSocket, UNIT.socketWarden, UNIT.socketWardenService]) {
    if (facts.units[name].needDaemonReload) {
      findings.push({
        level: 'warn',
        check: 'daemon-reload',
        message: `${name}'s files changed since systemd read them: what runs may differ from what they say (systemctl daemon-reload)`,
      });
    }
  }
  return findings;
}

function socketWardenFindings(facts: HostFacts): Finding[] {
  const findings: Finding[] = [];
  for (const unitFile of [MANAGED.socketUnit, MANAGED.serviceUnit]) {
    if (!facts.files[unitFile]?.exists)
      findings.push({ level: 'error', check: 'units', message: `${unitFile} is missing` });
  }
  if (facts.source === 'files') return findings;
  const socket = facts.units[UNIT.socketWarden];
  if (socket.activeState === 'active' && socket.listen.includes(MANAGED.hostSocket)) {
    findings.push({
      level: 'ok',
      check: UNIT.socketWarden,
      message: `active, listening on ${MANAGED.hostSocket}`,
    });
  } else {
    findings.push({
      level: 'error',
      check: UNIT.socketWarden,
      message: `${socket.activeState} (listening on ${socket.listen.join(', ') || 'nothing'}): clients of ${MANAGED.hostSocket} get errors`,
    });
  }
  const service = facts.units[UNIT.socketWardenService];
  if (service.activeState === 'active') {
    findings.push({
      level: 'ok',
      check: UNIT.socketWardenService,
      message: `active (pid ${service.mainPid})`,
    });
  } else if (service.activeState === 'failed') {
    findings.push({
      level: 'error',
      check: UNIT.socketWardenService,
      message: 'failed (journalctl -u socket-warden)',
    });
  } else {
    findings.push({
      level: 'warn',
      check: UNIT.socketWardenService,
      message: `${service.activeState}: systemd starts it on the next connection; filtered sockets of running containers answer only while it runs`,
    });
  }
  for (const name of [UNIT.socketWarden, UNIT.socketWardenService]) {
    if (facts.units[name].unitFileState !== 'enabled') {
      findings.push({
        level: 'warn',
        check: name,
        message: `${facts.units[name].unitFileState || 'not enabled'}: managed mode does not come back after a reboot`,
      });
    }
  }
  return findings;
}

function probeFindings(facts: HostFacts, probes: Probes): Finding[] {
  const findings: Finding[] = [];
  const host = probes.hostSocket;
  if (host?.kind === 'socket-warden') {
    findings.push({
      level: 'ok',
      check: 'host-socket',
      message: `${MANAGED.hostSocket} is answered by Socket Warden`,
    });
  } else if (host?.kind === 'other') {
    findings.push({
      level: 'error',
      check: 'host-socket',
      message: `!!! ${MANAGED.hostSocket} is answered by something else ("${host.answer}"): the engine itself?`,
    });
  } else if (host?.kind === 'unreachable') {
    findings.push({
      level: 'error',
      check: 'host-socket',
      message: `nothing answers ${MANAGED.hostSocket} (${host.error})`,
    });
  }

  const engine = facts.files[MANAGED.engineSocket];
  const dir = facts.files[MANAGED.engineSocketDir];
  if (engine?.exists && engine.isSocket) {
    const mode = engine.mode ?? 0;
    const openToOthers =
      (mode & 0o002) !== 0 || ((mode & 0o020) !== 0 && engine.gid !== 0) || engine.uid !== 0;
    const dirShut = dir?.exists && dir.uid === 0 && ((dir.mode ?? 0) & 0o011) === 0;
    findings.push(
      openToOthers && !dirShut
        ? {
            level: 'error',
            check: 'engine-socket',
            message: `!!! ${MANAGED.engineSocket} is ${modeText(mode)} ${engine.uid}:${engine.gid}: not root's alone`,
          }
        : {
            level: 'ok',
            check: 'engine-socket',
            message: `${MANAGED.engineSocket} is ${modeText(mode)} ${engine.uid}:${engine.gid} in a ${modeText(dir?.mode ?? 0)} directory`,
          },
    );
  } else if (facts.source === 'systemctl') {
    findings.push({
      level: 'warn',
      check: 'engine-socket',
      message: `${MANAGED.engineSocket} is not there (docker.socket not started?)`,
    });
  }
  const probe = probes.dockerGroupToEngine;
  if (probe?.kind === 'connected') {
    findings.push({
      level: 'error',
      check: 'docker-group',
      message: `!!! a docker-group user can connect to ${MANAGED.engineSocket}`,
    });
  } else if (probe?.kind === 'denied') {
    findings.push({
      level: 'ok',
      check: 'docker-group',
      message: `a docker-group user cannot connect to ${MANAGED.engineSocket} (${probe.code})`,
    });
  } else if (probe?.kind === 'probe-failed') {
    findings.push({
      level: 'warn',
      check: 'docker-group',
      message: `could not try a docker-group connection: ${probe.error}`,
    });
  }
  return findings;
}

const modeText = (mode: number): string => `0${(mode & 0o7777).toString(8)}`;
