// The I/O half of personal-default.ts: reads the docker CLI's contexts, ~/.testcontainers.properties
// and what `on` remembered, and carries out a plan (files replaced atomically, their mode kept).
import { execFile } from 'node:child_process';
import { readFile, rename, stat, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import {
  CONTEXT_NAME,
  defaultStatus,
  planDefaultOff,
  planDefaultOn,
  type DefaultFacts,
  type DefaultState,
  type DefaultStatus,
  type DefaultStep,
} from './personal-default.js';

export interface DefaultIoOptions {
  listen: string;
  home: string;
  /** Where `on` keeps what it changed (a JSON file of Socket Warden's settings directory). */
  stateFile: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Runs the docker CLI; default: `docker` on PATH. */
  docker?: (args: string[]) => Promise<{ ok: boolean; stdout: string; stderr: string }>;
}

export const runDocker = (args: string[]): Promise<{ ok: boolean; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile('docker', args, { timeout: 30_000 }, (error, stdout, stderr) =>
      resolve({ ok: !error, stdout, stderr: stderr || (error?.message ?? '') }),
    );
  });

export async function gatherDefaultFacts(options: DefaultIoOptions): Promise<DefaultFacts> {
  const docker = options.docker ?? runDocker;
  // `context inspect` without a name is the current context (docker 19.03 and later).
  const current = await docker(['context', 'inspect', '--format', '{{.Name}}']);
  const ours = await docker(['context', 'inspect', CONTEXT_NAME, '--format', '{{.Endpoints.docker.Host}}']);
  const testcontainersFile = path.join(options.home, '.testcontainers.properties');
  return {
    listen: options.listen,
    ...(current.ok ? { currentContext: current.stdout.trim() } : {}),
    contextExists: ours.ok,
    ...(ours.ok ? { contextHost: ours.stdout.trim() } : {}),
    testcontainersFile,
    testcontainersText: await readFile(testcontainersFile, 'utf8').catch(() => null),
    env: options.env,
    state: await readState(options.stateFile),
  };
}

async function readState(file: string): Promise<DefaultState> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as DefaultState) : {};
  } catch {
    return {};
  }
}

export async function runDefaultSteps(
  steps: readonly DefaultStep[],
  options: DefaultIoOptions,
): Promise<string[]> {
  const docker = options.docker ?? runDocker;
  const done: string[] = [];
  for (const step of steps) {
    switch (step.kind) {
      case 'docker': {
        const result = await docker(step.args);
        if (!result.ok)
          throw new Error(
            `docker ${step.args.join(' ')} failed: ${result.stderr.trim() || 'no reason given'}`,
          );
        done.push(step.why);
        break;
      }
      case 'write-file':
        await replaceFile(step.file, step.text);
        done.push(step.why);
        break;
      case 'save-state':
        await mkdir(path.dirname(options.stateFile), { recursive: true, mode: 0o700 });
        await replaceFile(options.stateFile, `${JSON.stringify(step.state, null, 2)}\n`);
        break;
    }
  }
  return done;
}

async function replaceFile(file: string, text: string): Promise<void> {
  const mode = (await stat(file).catch(() => null))?.mode ?? 0o644;
  const temp = `${file}.socket-warden-${process.pid}.tmp`;
  await writeFile(temp, text, { mode: mode & 0o7777 });
  await rename(temp, file);
}

export async function personalDefaultStatus(options: DefaultIoOptions): Promise<DefaultStatus> {
  return defaultStatus(await gatherDefaultFacts(options));
}

/** Makes Socket Warden the default (`on`) or undoes exactly that; returns what changed, and the status after. */
export async function setPersonalDefault(
  on: boolean,
  options: DefaultIoOptions,
): Promise<{ done: string[]; status: DefaultStatus }> {
  const facts = await gatherDefaultFacts(options);
  const done = await runDefaultSteps(on ? planDefaultOn(facts) : planDefaultOff(facts), options);
  return { done, status: await personalDefaultStatus(options) };
}
