// A peer proxy as a child process of the bench: started on a unix socket of its own, ready once that
// socket answers HEAD /_ping, stopped with SIGTERM (SIGKILL if it lingers).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { exchange } from '../socket-http.js';

export interface PeerProcess {
  socketPath: string;
  pid: number;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 10_000;

async function answersPing(socketPath: string): Promise<boolean> {
  try {
    return (await exchange(socketPath, false, 'HEAD', '/_ping')).status === 200;
  } catch {
    return false;
  }
}

/** Runs `command args`, which serves `socketPath`; resolves once a ping through it is answered. */
export async function startPeerProcess(
  what: string,
  command: string,
  args: readonly string[],
  socketPath: string,
): Promise<PeerProcess> {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => {
    if (output.length < 16_384) output += chunk.toString('utf8');
  });
  const exited = once(child, 'exit');
  const spawned = await Promise.race([
    once(child, 'spawn').then(() => true),
    once(child, 'error').then(([error]) => {
      throw new Error(`${what} could not start: ${(error as Error).message}`);
    }),
  ]);
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = performance.now() + READY_TIMEOUT_MS;
  while (spawned && !(await answersPing(socketPath))) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${what} exited (${child.signalCode ?? child.exitCode}) before serving:\n${output}`);
    if (performance.now() > deadline) {
      await stop();
      throw new Error(`${what} did not answer on ${socketPath} within ${READY_TIMEOUT_MS} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  if (child.pid === undefined) throw new Error(`${what} has no pid`);
  return { socketPath, pid: child.pid, stop };
}
