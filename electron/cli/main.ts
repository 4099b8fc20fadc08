// The `socket-warden` command: `serve` runs the headless daemon; the rest are small tools around it.
import { runContextCommand } from './context-command.js';
import { packageVersion } from './package-version.js';
import { runServeCommand } from './serve-command.js';
import { errorMessage } from '../../shared/error-message.js';

const USAGE = `Usage: socket-warden <command> [options]

Commands:
  serve      run the guarding proxy (headless daemon)
  status     what the engine, the guarded socket, the policy and the filtered sockets are doing
  context    create or update a docker context named "socket-warden" that points at the proxy
  history    print the denial history
  repull     remove and pull again an image whose digest no longer matches its registry
  system     install | uninstall | status of managed mode: Socket Warden as the host's Docker socket
  default    on | off | status: make the proxy the default for the docker CLI and Testcontainers

Options:
  -V, --version  print the version

Run "socket-warden <command> --help" for a command's options.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return runServeCommand(rest);
    case 'context':
      return runContextCommand(rest);
    case 'status': {
      const { runStatusCommand } = await import('./status-command.js');
      return runStatusCommand(rest);
    }
    case '--version':
    case '-V':
      console.log(packageVersion());
      return 0;
    case 'history': {
      const { runHistoryCli } = await import('./history-cli.js');
      return runHistoryCli(rest);
    }
    case 'repull': {
      const { runRepullCommand } = await import('./repull-command.js');
      return runRepullCommand(rest);
    }
    case 'default': {
      const { runDefaultCommand } = await import('./default-command.js');
      return runDefaultCommand(rest);
    }
    case 'system': {
      const { runSystemCommand } = await import('./system-command.js');
      return runSystemCommand(rest);
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      console.error(`socket-warden: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`socket-warden: ${errorMessage(error)}`);
    process.exitCode = 1;
  },
);
