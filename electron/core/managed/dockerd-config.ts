// Where dockerd listens and whether it keeps containers running across its own restart, from its
// command line (docker.service's ExecStart=, with /etc/default/docker's variables, or the running
// process's) and /etc/docker/daemon.json. Pure.
import { errorMessage } from '../../../shared/error-message.js';

/** `KEY=value` lines of an EnvironmentFile= (quotes stripped, comments skipped). */
export function parseEnvironmentFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match) continue;
    let value = (match[2] as string).trim();
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.at(-1) === value[0]) {
      value = value.slice(1, -1);
    }
    env[match[1] as string] = value;
  }
  return env;
}

/**
 * systemd's expansion of ExecStart= words: `$VAR` alone splits into words, `${VAR}` stays one word, and
 * an unset variable is nothing.
 */
export function expandExecArgs(argv: readonly string[], env: Record<string, string>): string[] {
  const out: string[] = [];
  for (const word of argv) {
    const whole = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(word);
    if (whole) {
      out.push(...(env[whole[1] as string] ?? '').split(/\s+/).filter(Boolean));
      continue;
    }
    out.push(word.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => env[name] ?? ''));
  }
  return out;
}

/** What dockerd's flags say: every -H/--host, and --live-restore. */
export function dockerdFlags(argv: readonly string[]): { hosts: string[]; liveRestore: boolean | undefined } {
  const hosts: string[] = [];
  let liveRestore: boolean | undefined;
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '-H' || arg === '--host') {
      if (argv[i + 1] !== undefined) hosts.push(argv[++i] as string);
    } else if (arg.startsWith('--host=')) hosts.push(arg.slice('--host='.length));
    else if (arg.startsWith('-H=')) hosts.push(arg.slice(3));
    else if (arg.startsWith('-H')) hosts.push(arg.slice(2));
    else if (arg === '--live-restore') liveRestore = true;
    else if (arg.startsWith('--live-restore=')) liveRestore = arg.slice('--live-restore='.length) === 'true';
  }
  return { hosts, liveRestore };
}

export type DaemonJson =
  { kind: 'absent' } | { kind: 'invalid'; error: string } | { kind: 'ok'; value: unknown };

export function parseDaemonJson(text: string | null): DaemonJson {
  if (text === null) return { kind: 'absent' };
  try {
    return { kind: 'ok', value: JSON.parse(text) as unknown };
  } catch (error) {
    return { kind: 'invalid', error: errorMessage(error) };
  }
}

function field(json: DaemonJson, key: string): unknown {
  if (json.kind !== 'ok' || typeof json.value !== 'object' || json.value === null) return undefined;
  return (json.value as Record<string, unknown>)[key];
}

/** daemon.json's `hosts` (dockerd listens there itself, besides what systemd passes it). */
export function daemonJsonHosts(json: DaemonJson): string[] {
  const hosts = field(json, 'hosts');
  if (typeof hosts === 'string') return [hosts];
  return Array.isArray(hosts) ? hosts.map(String) : [];
}

export function daemonJsonLiveRestore(json: DaemonJson): boolean | undefined {
  const value = field(json, 'live-restore');
  return typeof value === 'boolean' ? value : undefined;
}

export type HostKind = 'systemd' | 'unix' | 'tcp' | 'other';

/** fd:// is the socket systemd passes; everything else dockerd opens by itself. */
export function hostKind(host: string): HostKind {
  if (host.startsWith('fd://')) return 'systemd';
  if (host.startsWith('unix://')) return 'unix';
  if (host.startsWith('tcp://') || /^[0-9.[\]:]+$/.test(host) || host.startsWith(':')) return 'tcp';
  return 'other';
}
