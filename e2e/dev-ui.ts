// Serves the built pane against the in-memory demo engine, for working on the renderer without a
// Docker engine: `npx vite-node e2e/dev-ui.ts` after `npm run build:renderer`. Not a test.
import { fileURLToPath } from 'node:url';
import { startUiServer } from '../electron/engine/ipc/http-transport.js';
import { createDemoEngine } from './demo-engine.js';

const engine = createDemoEngine({ stepMs: 400 });
const server = await startUiServer({
  handlers: engine.handlers,
  events: engine.events,
  staticDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
  port: Number(process.env.PORT ?? 0),
  ...(process.env.SW_DEV_TOKEN ? { token: process.env.SW_DEV_TOKEN } : {}),
});
console.log(`UI: ${server.url}`);

// Typing `deny`, `lock`, `unlock`, `down` or `up` on stdin drives the demo engine.
process.stdin.setEncoding('utf8');
process.stdin.on('data', (line: string) => {
  const command = line.trim();
  if (command === 'deny')
    engine.deny({
      kind: 'socket-mount-denied',
      requester: { kind: 'host' },
      request: { method: 'POST', uri: '/v1.41/containers/create' },
      image: 'docker.io/library/alpine:latest',
      reason: 'not-allowed',
      message:
        'socket warden: docker socket mount denied for container with image "docker.io/library/alpine"; image is not in the allowed list',
    });
  if (command === 'lock') engine.setLocked('/etc/socket-warden/admin-settings.json');
  if (command === 'unlock') engine.setLocked(undefined);
  if (command === 'down') engine.setEngineReachable(false);
  if (command === 'up') engine.setEngineReachable(true);
});
