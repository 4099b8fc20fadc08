// Reads `systemctl show <units…> -p …`: one block of Key=Value lines per unit, blank-line separated.
// Pure over the text.
import { splitCommandLine } from './unit-file.js';

/** What managed mode needs to know about one unit, from systemd itself. */
export interface UnitState {
  id: string;
  /** loaded, not-found, masked, bad-setting… */
  loadState: string;
  /** active, inactive, failed, activating… ("unknown" when read from files). */
  activeState: string;
  /** enabled, disabled, static… */
  unitFileState: string;
  /** Socket units: the addresses it listens on (paths for unix sockets). */
  listen: string[];
  /** Services: what ExecStart= runs, as argv. */
  execStart: string[] | null;
  /** Services: the main process, 0 when none. */
  mainPid: number;
  /** The files on disk changed since systemd loaded them: what they say is not what runs. */
  needDaemonReload: boolean;
  fragmentPath: string;
  dropInPaths: string[];
}

export const SHOW_PROPERTIES = [
  'Id',
  'LoadState',
  'ActiveState',
  'UnitFileState',
  'Listen',
  'ExecStart',
  'MainPID',
  'NeedDaemonReload',
  'FragmentPath',
  'DropInPaths',
] as const;

export function parseSystemctlShow(text: string): UnitState[] {
  const units: UnitState[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    const lines = block.split('\n').filter((line) => line.includes('='));
    if (lines.length === 0) continue;
    const values = new Map<string, string[]>();
    for (const line of lines) {
      const eq = line.indexOf('=');
      const key = line.slice(0, eq);
      values.set(key, [...(values.get(key) ?? []), line.slice(eq + 1)]);
    }
    const one = (key: string): string => values.get(key)?.[0] ?? '';
    units.push({
      id: one('Id'),
      loadState: one('LoadState'),
      activeState: one('ActiveState'),
      unitFileState: one('UnitFileState'),
      // "Listen=/run/docker.sock (Stream)", one line per address.
      listen: (values.get('Listen') ?? []).filter(Boolean).map((v) => v.replace(/ \([A-Za-z]+\)$/, '')),
      execStart: parseExecStart(one('ExecStart')),
      mainPid: Number(one('MainPID')) || 0,
      needDaemonReload: one('NeedDaemonReload') === 'yes',
      fragmentPath: one('FragmentPath'),
      dropInPaths: one('DropInPaths').split(' ').filter(Boolean),
    });
  }
  return units;
}

/** "{ path=/usr/sbin/dockerd ; argv[]=/usr/sbin/dockerd -H fd:// … ; ignore_errors=no ; … }" → argv. */
export function parseExecStart(value: string): string[] | null {
  const match = /argv\[\]=(.*?) ; /.exec(value);
  return match?.[1] ? splitCommandLine(match[1]) : null;
}
