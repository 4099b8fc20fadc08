// `socket-warden repull <image>`: the fix for a moved tag (docs/socket-mount-permissions.md §3: a
// local copy whose digest is no longer the registry's is denied until pulled again). Asks the registry
// first, pulls with the credentials config.json gives, and only then deals with the previous image
// (engine-images.ts, repull-decision.ts).
import { parseArgs } from 'node:util';
import { EngineImages, type RepullStep } from '../core/images/engine-images.js';
import { defaultUpstream } from '../core/default-paths.js';
import { DockerConfigCredentials } from '../core/registry/docker-credentials.js';
import { RegistryClient } from '../core/registry/registry-client.js';
import { errorMessage } from '../../shared/error-message.js';

const USAGE = `Usage: socket-warden repull <image> [--upstream <engine socket>]

Pulls <image> (name:tag) again when its registry's tag has moved, with the credentials of
$DOCKER_CONFIG/config.json. Nothing is removed before the pull succeeds; the previous image is removed
afterwards only when it is dangling and nothing uses it. Refuses when the local copy already has the
registry's digest, or exists only locally.

Exit status: 0 re-pulled, 1 the pull failed (the image is unchanged), 2 usage, 3 refused.`;

/** One line per step, and the pull's progress on one rewritten line per layer. */
function printer(): (step: RepullStep) => void {
  const seen = new Set<string>();
  return (step) => {
    if (step.step === 'checking') return void process.stdout.write(`Asking the registry about ${step.name}`);
    if (step.step === 'verifying') return void process.stdout.write(`\nChecking ${step.name}`);
    if (step.step === 'removing-previous')
      return void process.stdout.write(`\nRemoving the previous image ${step.id}`);
    const event = step.progress;
    if (!event) return void process.stdout.write(`\nPulling ${step.name} (${step.registryDigest})`);
    const line = event.id ? `${event.id}: ${event.status}` : event.status;
    if (event.total) {
      process.stdout.write(`\r${line} ${Math.round(((event.current ?? 0) / event.total) * 100)}%   `);
    } else if (!seen.has(line)) {
      seen.add(line);
      process.stdout.write(`\n${line}`);
    }
  };
}

export async function runRepullCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { upstream: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const image = positionals[0];
  if (values.help || !image || positionals.length > 1) {
    (values.help ? console.log : console.error)(USAGE);
    return values.help ? 0 : 2;
  }
  const images = new EngineImages(values.upstream ?? defaultUpstream());
  const registry = new RegistryClient({ credentials: new DockerConfigCredentials() });
  let result;
  try {
    result = await images.repull(image, registry, printer());
  } catch (error) {
    console.error(`\nrepull: ${errorMessage(error)}`);
    return 1;
  } finally {
    images.engine.close();
  }
  process.stdout.write('\n');
  switch (result.outcome) {
    case 'refused':
      console.error(`repull: refused: ${result.message}`);
      return 3;
    case 'failed':
      console.error(`repull: ${result.message}`);
      return 1;
    case 'pulled':
      console.log(`Re-pulled ${result.name}: ${result.digest} (image ${result.id}); ${result.note}`);
      return 0;
  }
}
