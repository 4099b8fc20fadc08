// `socket-warden history`: the denial history, as a table or JSON.
import { parseArgs } from 'node:util';
import { runHistoryCommand } from './history-command.js';
import { userPaths } from '../core/default-paths.js';

export async function runHistoryCli(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'data-dir': { type: 'string' },
      json: { type: 'boolean', default: false },
      limit: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log('Usage: socket-warden history [--data-dir <dir>] [--json] [--limit N]');
    return 0;
  }
  return runHistoryCommand({
    dataDir: userPaths({ dataDir: values['data-dir'] }).stateDir,
    json: values.json ?? false,
    limit: values.limit !== undefined ? Number(values.limit) : undefined,
    out: process.stdout,
  });
}
