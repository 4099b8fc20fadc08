// `socket-warden history [--json] [--limit N] [--data-dir DIR]`: prints the denial history, newest
// first. Opens the journal read-only, so it works while `serve` holds the lock.
import { HistoryStore, historyDirIn } from '../core/history/history-store.js';
import { formatHistoryTable } from '../core/history/history-table.js';
import { jsonForTerminal } from '../core/history/terminal-text.js';

export interface HistoryCommandArgs {
  dataDir: string;
  json: boolean;
  /** Newest entries to print; all of them when absent. */
  limit?: number;
  out: NodeJS.WritableStream;
  /** Where errors go; process.stderr when absent. */
  err?: NodeJS.WritableStream;
}

/** Returns the process exit code. */
export async function runHistoryCommand(args: HistoryCommandArgs): Promise<number> {
  const err = args.err ?? process.stderr;
  if (args.limit !== undefined && (!Number.isInteger(args.limit) || args.limit < 1)) {
    err.write(`socket-warden history: --limit must be a positive whole number, not ${args.limit}\n`);
    return 2;
  }
  let store: HistoryStore;
  try {
    store = await HistoryStore.open(historyDirIn(args.dataDir), { readOnly: true });
  } catch (error) {
    err.write(
      `socket-warden history: cannot read the history in ${args.dataDir}: ${(error as Error).message}\n`,
    );
    return 1;
  }
  try {
    const entries = store.list({ limit: args.limit ?? Math.max(1, store.count()) });
    if (args.json) {
      // The same JSON, with bidi and control characters from containers escaped for the terminal.
      args.out.write(`${jsonForTerminal(entries)}\n`);
    } else if (entries.length === 0) {
      args.out.write('No denials recorded.\n');
    } else {
      args.out.write(formatHistoryTable(entries));
    }
    return 0;
  } finally {
    await store.close();
  }
}
