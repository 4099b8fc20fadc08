// Runs an install or uninstall plan on the host (or under --root): each step said as it is done, files
// replaced atomically (temp file, fsync, rename), systemctl called only when allowed. The first failing
// step stops the plan; the state file, written first, lets uninstall undo what was done.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { inRoot, MANAGED } from './managed-layout.js';
import { describeStep, type PlanStep } from './plan-step.js';
import { identifySocket } from './socket-probe.js';
import { errorMessage } from '../../../shared/error-message.js';

const execFileAsync = promisify(execFile);

export interface RunOptions {
  root: string;
  /** false: systemctl steps are said, not run (--root, --no-systemctl). */
  systemctl: boolean;
  say: (line: string) => void;
}

export class PlanStepError extends Error {
  constructor(
    readonly step: PlanStep,
    message: string,
  ) {
    super(message);
  }
}

export async function runPlan(steps: readonly PlanStep[], options: RunOptions): Promise<void> {
  for (const step of steps) {
    try {
      const note = await runStep(step, options);
      options.say(`  ${describeStep(step)}${note ? ` -- ${note}` : ''}`);
    } catch (error) {
      const message = errorMessage(error);
      throw new PlanStepError(step, `${describeStep(step)}: ${message}`);
    }
  }
}

/** Does one step; returns a note when the step did something other than the obvious. */
async function runStep(step: PlanStep, options: RunOptions): Promise<string | undefined> {
  const at = (hostPath: string): string => inRoot(options.root, hostPath);
  const asRoot = process.getuid?.() === 0;
  switch (step.kind) {
    case 'mkdir':
      // The mode is the leaf's; parents a root under test may lack get the usual 0755.
      await fs.mkdir(path.dirname(at(step.path)), { recursive: true, mode: 0o755 });
      await fs.mkdir(at(step.path), { mode: step.mode }).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      });
      return undefined;
    case 'write':
      await writeAtomically(at(step.path), step.content, step.mode, asRoot ? { uid: 0, gid: 0 } : undefined);
      return undefined;
    case 'restore':
      await fs.mkdir(path.dirname(at(step.path)), { recursive: true });
      await writeAtomically(
        at(step.path),
        Buffer.from(step.before.contentBase64, 'base64'),
        step.before.mode,
        asRoot ? { uid: step.before.uid, gid: step.before.gid } : undefined,
      );
      return undefined;
    case 'remove': {
      const content = await fs.readFile(at(step.path)).catch(() => null);
      if (content === null) return 'not there';
      if (step.ifSha256 && createHash('sha256').update(content).digest('hex') !== step.ifSha256) {
        return 'kept: changed since install';
      }
      await fs.rm(at(step.path), { force: true });
      return undefined;
    }
    case 'remove-dead-socket': {
      const stat = await fs.lstat(at(step.path)).catch(() => null);
      if (!stat) return 'not there';
      if (!stat.isSocket()) throw new Error(`${step.path} is not a socket; not touching it`);
      const identity = await identifySocket(at(step.path), 3000);
      if (identity.kind !== 'unreachable') {
        throw new Error(
          `something still answers on ${step.path} (${identity.kind === 'socket-warden' ? 'Socket Warden' : identity.answer})`,
        );
      }
      await fs.rm(at(step.path), { force: true });
      return undefined;
    }
    case 'rmdir-if-empty':
      try {
        await fs.rmdir(at(step.path));
        return undefined;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return 'not there';
        if (code === 'ENOTEMPTY' || code === 'EEXIST') return 'kept: not empty';
        throw error;
      }
    case 'systemctl':
      if (!options.systemctl) return 'skipped (no systemctl)';
      try {
        await execFileAsync('systemctl', step.args, { timeout: 120_000 });
      } catch (error) {
        const stderr = (error as { stderr?: string }).stderr?.trim();
        throw new Error(stderr || errorMessage(error));
      }
      return undefined;
    case 'write-state':
      await fs.mkdir(path.dirname(at(MANAGED.stateFile)), { recursive: true, mode: 0o750 });
      await writeAtomically(
        at(MANAGED.stateFile),
        Buffer.from(JSON.stringify(step.state, null, 2) + '\n'),
        0o600,
      );
      return undefined;
    case 'remove-state':
      await fs.rm(at(MANAGED.stateFile), { force: true });
      return undefined;
  }
}

async function writeAtomically(
  file: string,
  content: Buffer,
  mode: number,
  owner?: { uid: number; gid: number },
): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.socket-warden.tmp`);
  const handle = await fs.open(temp, 'w', mode);
  try {
    await handle.writeFile(content);
    await handle.chmod(mode);
    if (owner) await handle.chown(owner.uid, owner.gid);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(temp, file);
}
