// `socket-warden repull <image>`: the fix for a moved tag (spec §6) — remove the local image and pull
// it again, with progress, then print the new digest.
import { parseArgs } from 'node:util';
import { EngineImages } from '../core/images/engine-images.js';
import { defaultUpstream } from '../core/default-paths.js';

export async function runRepullCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { upstream: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const image = positionals[0];
  if (values.help || !image) {
    console.log('Usage: socket-warden repull <image> [--upstream <engine socket>]');
    return values.help ? 0 : 2;
  }
  const images = new EngineImages(values.upstream ?? defaultUpstream());
  const seen = new Set<string>();
  const pulled = await images
    .repull(image, (event) => {
      const line = event.id ? `${event.id}: ${event.status}` : event.status;
      if (event.total) {
        process.stdout.write(`\r${line} ${Math.round(((event.current ?? 0) / event.total) * 100)}%   `);
      } else if (!seen.has(line)) {
        seen.add(line);
        process.stdout.write(`\n${line}`);
      }
    })
    .finally(() => images.engine.close());
  console.log(`\nRe-pulled ${image}: ${pulled.repoDigests.join(', ') || pulled.id}`);
  return 0;
}
