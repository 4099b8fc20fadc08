// `socket-warden default on | off | status`: personal mode's offer to become the default, for the
// docker CLI (the socket-warden context, made current) and Testcontainers (docker.host in
// ~/.testcontainers.properties). `off` restores what `on` changed. Always says what still goes around.
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { personalDefaultStatus, setPersonalDefault } from '../core/contract/personal-default-io.js';
import type { DefaultStatus } from '../core/contract/personal-default.js';
import { defaultListen, userPaths } from '../core/default-paths.js';
import { errorMessage } from '../../shared/error-message.js';

const HELP = `Usage: socket-warden default on | off | status [--listen <socket>] [--data-dir <dir>] [--json]

  on      make Socket Warden the default: the docker context "socket-warden", made current, and
          docker.host=unix://<socket> in ~/.testcontainers.properties (other lines kept)
  off     put back what "on" changed (the previous context, the previous docker.host or none)
  status  whether it is the default, and what still goes around it

Personal mode only guards the programs pointed at its socket. On a host with root, managed mode
(sudo socket-warden system install) makes Socket Warden the host's Docker socket instead.`;

export async function runDefaultCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        listen: { type: 'string' },
        'data-dir': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    console.error(`socket-warden default: ${errorMessage(error)}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [action, ...extra] = positionals;
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (!action || !['on', 'off', 'status'].includes(action) || extra.length) {
    console.error(`socket-warden default: expected on, off or status\n\n${HELP}`);
    return 2;
  }
  const paths = userPaths({ dataDir: values['data-dir'] });
  const options = {
    listen: path.resolve(values.listen ?? defaultListen(paths)),
    home: os.homedir(),
    stateFile: path.join(paths.settingsDir, 'default-state.json'),
    env: process.env,
  };
  try {
    if (action === 'status') {
      const status = await personalDefaultStatus(options);
      print(status, [], values.json === true);
      return 0;
    }
    const { done, status } = await setPersonalDefault(action === 'on', options);
    print(status, done, values.json === true);
    return 0;
  } catch (error) {
    console.error(`socket-warden default: ${errorMessage(error)}`);
    return 1;
  }
}

function print(status: DefaultStatus, done: string[], json: boolean): void {
  if (json) {
    console.log(JSON.stringify({ ...status, done }, null, 2));
    return;
  }
  for (const line of done) console.log(`changed: ${line}`);
  if (done.length === 0) console.log('nothing to change');
  console.log(
    `docker CLI (context socket-warden): ${status.dockerContext ? 'through Socket Warden' : 'not'}`,
  );
  console.log(`Testcontainers (docker.host): ${status.testcontainers ? 'through Socket Warden' : 'not'}`);
  console.log('Still going around it:');
  for (const line of status.goesAround) console.log(`  - ${line}`);
}
