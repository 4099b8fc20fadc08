// The admin-settings.json the bench daemon enforces (docs/socket-mount-permissions.md §2): enforcement on and locked, only the
// stack's `library/docker:cli` may mount the socket, derived images allowed (for the derived-image
// row; an image allowed by its own digest is decided before the derived check runs), nothing denied
// through filtered sockets (so the filtered-socket row measures the relay, not refusals).
import fs from 'node:fs/promises';

export function allowedImageOf(registry: string): string {
  return `${registry}/library/docker:cli`;
}

export function benchAdminSettings(registry: string): unknown {
  return {
    configurationFileVersion: 2,
    enhancedContainerIsolation: {
      locked: true,
      value: true,
      dockerSocketMount: {
        imageList: { images: [allowedImageOf(registry)], allowDerivedImages: true },
        commandList: { type: 'deny', commands: [] },
      },
    },
  };
}

export async function writeBenchAdminSettings(file: string, registry: string): Promise<void> {
  await fs.writeFile(file, `${JSON.stringify(benchAdminSettings(registry), null, 2)}\n`);
}
