// Whether this host can be put in managed mode, and what will still go around Socket Warden: pure
// checks over the gathered facts. An `error` stops install; a `warn` is said and install goes on.
import {
  daemonJsonHosts,
  daemonJsonLiveRestore,
  dockerdFlags,
  expandExecArgs,
  hostKind,
} from './dockerd-config.js';
import type { Finding } from './findings.js';
import type { HostFacts } from './host-facts.js';
import { MANAGED, UNIT } from './managed-layout.js';

export function preflight(facts: HostFacts): Finding[] {
  return [
    checkSystemd(facts),
    checkSystemctl(facts),
    ...checkDockerSocket(facts),
    ...checkDockerdHosts(facts),
    ...checkDaemonJson(facts),
    checkBinary(facts),
    ...checkEngine(facts),
    ...checkOtherEngines(facts),
    ...checkState(facts),
  ];
}

function checkSystemd(facts: HostFacts): Finding {
  if (facts.pid1 === 'systemd') return { level: 'ok', check: 'systemd', message: 'PID 1 is systemd' };
  return {
    level: 'error',
    check: 'systemd',
    message: `PID 1 is ${facts.pid1 === null ? 'unknown (/proc/1/comm unreadable)' : `"${facts.pid1}"`}, not systemd: managed mode is made of systemd socket units`,
  };
}

function checkSystemctl(facts: HostFacts): Finding {
  if (facts.source === 'files') {
    return {
      level: 'info',
      check: 'systemctl',
      message:
        'not called (--root or --no-systemctl): unit states come from the unit files; the systemctl steps are listed, not run',
    };
  }
  if (facts.systemd !== null) return { level: 'ok', check: 'systemctl', message: facts.systemd };
  return {
    level: 'error',
    check: 'systemctl',
    message: `systemctl does not work: ${facts.systemdError ?? 'no answer'}`,
  };
}

function checkDockerSocket(facts: HostFacts): Finding[] {
  const unit = facts.units[UNIT.dockerSocket];
  if (unit.loadState !== 'loaded') {
    return [
      {
        level: 'error',
        check: 'docker.socket',
        message: `docker.socket is ${unit.loadState || 'unknown'}: managed mode moves the engine's socket with a drop-in for Docker's socket unit (is Docker installed from a package with systemd units?)`,
      },
    ];
  }
  const findings: Finding[] = [];
  const listen = unit.listen.join(', ') || 'nothing';
  if (unit.listen.length === 1 && unit.listen[0] === MANAGED.hostSocket) {
    findings.push({
      level: 'ok',
      check: 'docker.socket',
      message: `listens on ${MANAGED.hostSocket} (stock)`,
    });
  } else if (unit.listen.length === 1 && unit.listen[0] === MANAGED.engineSocket) {
    findings.push({
      level: 'info',
      check: 'docker.socket',
      message: `already moved to ${MANAGED.engineSocket}`,
    });
  } else {
    findings.push({
      level: 'warn',
      check: 'docker.socket',
      message: `listens on ${listen}; install makes it listen on ${MANAGED.engineSocket} only`,
    });
  }
  if (facts.source === 'systemctl' && unit.activeState !== 'active') {
    findings.push({ level: 'warn', check: 'docker.socket', message: `docker.socket is ${unit.activeState}` });
  }
  return findings;
}

function checkDockerdHosts(facts: HostFacts): Finding[] {
  const service = facts.units[UNIT.dockerService];
  if (service.loadState !== 'loaded' || service.execStart === null) {
    return [
      {
        level: 'error',
        check: 'fd://',
        message: `docker.service is ${service.loadState === 'loaded' ? 'without ExecStart=' : service.loadState || 'unknown'}: cannot tell how dockerd listens`,
      },
    ];
  }
  const sources = [
    { what: 'docker.service', argv: expandExecArgs(service.execStart, facts.dockerEnv) },
    ...(facts.engineArgv ? [{ what: 'the running dockerd', argv: facts.engineArgv }] : []),
  ];
  const findings: Finding[] = [];
  for (const { what, argv } of sources) {
    const { hosts } = dockerdFlags(argv);
    if (!hosts.some((host) => hostKind(host) === 'systemd')) {
      findings.push({
        level: 'error',
        check: 'fd://',
        message: `${what} runs "${argv.join(' ')}" without -H fd://: dockerd would open a socket of its own instead of taking docker.socket's`,
      });
    }
    for (const host of hosts) {
      const kind = hostKind(host);
      if (kind === 'systemd') continue;
      findings.push({
        level: 'error',
        check: kind === 'tcp' ? 'tcp' : 'hosts',
        message:
          kind === 'tcp'
            ? `${what} listens on TCP (-H ${host}): clients reach the engine over the network around Socket Warden`
            : `${what} also listens on ${host}: a way to the engine around Socket Warden`,
      });
    }
  }
  const unique = dedupe(findings);
  if (unique.length === 0) {
    unique.push({
      level: 'ok',
      check: 'fd://',
      message: 'dockerd takes its socket from docker.socket (-H fd://), and no other',
    });
  }
  return unique;
}

function checkDaemonJson(facts: HostFacts): Finding[] {
  const json = facts.daemonJson;
  if (json.kind === 'absent')
    return [{ level: 'ok', check: 'daemon.json', message: `no ${MANAGED.daemonJson}` }];
  if (json.kind === 'invalid') {
    return [
      {
        level: 'error',
        check: 'daemon.json',
        message: `${MANAGED.daemonJson} is not valid JSON: ${json.error}`,
      },
    ];
  }
  const hosts = daemonJsonHosts(json);
  if (hosts.length === 0) return [{ level: 'ok', check: 'daemon.json', message: 'sets no "hosts"' }];
  return hosts.map((host) => ({
    level: 'error' as const,
    check: hostKind(host) === 'tcp' ? 'tcp' : 'daemon.json',
    message: `${MANAGED.daemonJson} sets "hosts": ${host}: dockerd listens there itself, around Socket Warden (remove "hosts"; docker.socket passes the socket)`,
  }));
}

function checkBinary(facts: HostFacts): Finding {
  if (facts.files[MANAGED.binary]?.exists)
    return { level: 'ok', check: 'binary', message: `${MANAGED.binary} is there` };
  return {
    level: 'error',
    check: 'binary',
    message: `${MANAGED.binary} is missing: socket-warden.service runs it (install the socket-warden-daemon package)`,
  };
}

function checkEngine(facts: HostFacts): Finding[] {
  const engine = facts.engine;
  if (engine === null) return [{ level: 'info', check: 'engine', message: 'not asked (--root)' }];
  if (!engine.reachable) {
    return [
      {
        level: 'warn',
        check: 'engine',
        message: `no answer at ${engine.socket} (${engine.error}): the engine's version and running containers are unknown`,
      },
    ];
  }
  const findings: Finding[] = [
    {
      level: 'info',
      check: 'engine',
      message: `Docker Engine ${engine.version} (API ${engine.apiVersion}) at ${engine.socket}`,
    },
  ];
  const liveRestore = engine.liveRestore || daemonJsonLiveRestore(facts.daemonJson) === true;
  if (liveRestore) {
    findings.push({
      level: 'info',
      check: 'containers',
      message: `live-restore is on: ${engine.containersRunning} running container(s) keep running across the engine's restart`,
    });
  } else if (engine.containersRunning > 0) {
    findings.push({
      level: 'warn',
      check: 'containers',
      message: `${engine.containersRunning} running container(s): the engine's restart stops them (live-restore is off)`,
    });
  }
  return findings;
}

function checkOtherEngines(facts: HostFacts): Finding[] {
  return [
    ...facts.otherEngines.map((engine) => ({
      level: 'warn' as const,
      check: 'other-engine',
      message: `${engine.what} answers on ${engine.path}: its clients are outside Socket Warden's lock`,
    })),
    ...facts.otherEngineBinaries.map((binary) => ({
      level: 'warn' as const,
      check: 'other-engine',
      message: `${binary} is installed: users may run an engine of their own, outside Socket Warden's lock`,
    })),
  ];
}

function checkState(facts: HostFacts): Finding[] {
  if (facts.state.kind === 'invalid') {
    return [
      {
        level: 'error',
        check: 'state',
        message: `${MANAGED.stateFile}: ${facts.state.error} (uninstall needs it; fix or move it)`,
      },
    ];
  }
  if (facts.state.kind === 'ok') {
    return [
      {
        level: 'info',
        check: 'state',
        message: `installed before (${facts.state.state.installedAt}): install again refreshes the units; uninstall still restores what was there first`,
      },
    ];
  }
  return [];
}

function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.check}\0${f.message.replace(/^(docker\.service|the running dockerd)/, '')}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
