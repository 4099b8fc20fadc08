// A tiny leveled logger; the Electron app and the daemon pass their own sinks.
//
// One record per message: a message's lines (an error's stack, a validation error listing several
// fields) are joined into one line with " | ", so journald, syslog or a `grep` never sees half a
// message. Under systemd (JOURNAL_STREAM names the stream we write to, sd-daemon(3)) each line starts
// with its syslog priority, `<3>` error, `<4>` warning, `<6>` info, instead of the ERROR:/WARNING: words.
import { fstatSync } from 'node:fs';

export interface Log {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export type LogLevel = keyof Log;

const PRIORITY: Record<LogLevel, number> = { error: 3, warn: 4, info: 6 };
const WORD: Record<LogLevel, string> = { error: 'ERROR: ', warn: 'WARNING: ', info: '' };

/** The one line a message becomes (pure). */
export function logRecord(level: LogLevel, message: string, journal: boolean): string {
  const text = message
    .split(/\r\n|\r|\n/)
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== '')
    .join(' | ');
  return journal ? `<${PRIORITY[level]}>${text}` : `${WORD[level]}${text}`;
}

/** Whether `fd` is the journal's stream: JOURNAL_STREAM is "<device>:<inode>" of it (sd-daemon(3)). */
export function isJournalStream(
  journalStream: string | undefined,
  stat: { dev: number; ino: number } | undefined,
): boolean {
  if (!journalStream || !stat) return false;
  const match = /^(\d+):(\d+)$/.exec(journalStream);
  return match !== null && Number(match[1]) === stat.dev && Number(match[2]) === stat.ino;
}

function fdStat(fd: number): { dev: number; ino: number } | undefined {
  try {
    return fstatSync(fd);
  } catch {
    return undefined;
  }
}

let journal: { out: boolean; err: boolean } | undefined;
function toJournal(): { out: boolean; err: boolean } {
  journal ??= {
    out: isJournalStream(process.env.JOURNAL_STREAM, fdStat(1)),
    err: isJournalStream(process.env.JOURNAL_STREAM, fdStat(2)),
  };
  return journal;
}

export const consoleLog: Log = {
  info: (message) => console.log(logRecord('info', message, toJournal().out)),
  warn: (message) => console.warn(logRecord('warn', message, toJournal().err)),
  error: (message) => console.error(logRecord('error', message, toJournal().err)),
};

export const silentLog: Log = { info: () => undefined, warn: () => undefined, error: () => undefined };
