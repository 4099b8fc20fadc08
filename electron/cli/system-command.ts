// `socket-warden system install | uninstall | status`: managed mode, in which Socket Warden answers the
// host's Docker socket (/run/docker.sock) and the engine moves to a socket only root can reach.
import path from 'node:path';
import readline from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { formatFindings, hasErrors, type Finding } from '../core/managed/findings.js';
import { gatherFacts } from '../core/managed/gather-facts.js';
import type { HostFacts } from '../core/managed/host-facts.js';
import { hostSocketContainers, probeHost } from '../core/managed/host-probes.js';
import { describeHostSocketContainer } from '../core/managed/host-socket-containers.js';
import { planInstall } from '../core/managed/install-plan.js';
import { MANAGED, UNIT } from '../core/managed/managed-layout.js';
import { managedStatus } from '../core/managed/managed-status.js';
import { describeStep, type PlanStep } from '../core/managed/plan-step.js';
import { runPlan } from '../core/managed/plan-runner.js';
import { preflight } from '../core/managed/preflight.js';
import { readShippedFiles } from '../core/managed/shipped-files.js';
import { planUninstall } from '../core/managed/uninstall-plan.js';
import { errorMessage } from '../../shared/error-message.js';

const HELP = `Usage: socket-warden system <install|uninstall|status> [options]   (as root)

  install      make Socket Warden the host's Docker socket: units for /run/docker.sock, a drop-in that
               moves docker.socket to ${MANAGED.engineSocket} (root only), a default policy
               that allows nothing when there is none. Restarts the Docker Engine.
  uninstall    put Docker back exactly as it was before install. Restarts the Docker Engine.
  status       whether managed mode is in place and holds (exit 0), is broken (1), or not installed (3)

  --yes            restart the engine without asking (install, uninstall)
  --dry-run        say what would be done, change nothing
  --json           status: machine-readable
  --root <dir>     act on the files under <dir> instead of / (for tests); implies --no-systemctl
  --no-systemctl   do not call systemctl: unit states come from the files, systemctl steps are only listed`;

interface Context {
  root: string;
  systemctl: boolean;
  yes: boolean;
  dryRun: boolean;
  json: boolean;
}

export async function runSystemCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      yes: { type: 'boolean', short: 'y', default: false },
      'dry-run': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      root: { type: 'string' },
      'no-systemctl': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [action, ...extra] = positionals;
  if (values.help || action === undefined) {
    console.log(HELP);
    return values.help ? 0 : 2;
  }
  if (extra.length > 0) {
    console.error(`socket-warden system: unexpected ${extra.join(' ')}\n\n${HELP}`);
    return 2;
  }
  const root = values.root === undefined ? '/' : path.resolve(values.root);
  const context: Context = {
    root,
    systemctl: root === '/' && !values['no-systemctl'],
    yes: values.yes,
    dryRun: values['dry-run'],
    json: values.json,
  };
  const changes = action === 'install' || action === 'uninstall';
  if (changes && !context.dryRun && root === '/' && process.getuid?.() !== 0) {
    console.error(
      `socket-warden system ${action}: must run as root (it changes systemd units and Docker's socket)`,
    );
    return 1;
  }
  const facts = await gatherFacts({ root, systemctl: context.systemctl, askEngine: root === '/' });
  switch (action) {
    case 'install':
      return install(facts, context);
    case 'uninstall':
      return uninstall(facts, context);
    case 'status':
      return status(facts, context);
    default:
      console.error(`socket-warden system: unknown action "${action}"\n\n${HELP}`);
      return 2;
  }
}

async function install(facts: HostFacts, context: Context): Promise<number> {
  const findings = preflight(facts);
  console.log(`Preflight:\n${formatFindings(findings)}`);
  if (hasErrors(findings)) {
    console.error(
      '\nNot installing: the errors above would leave a way around Socket Warden, or make it fail.',
    );
    return 1;
  }
  const { shipped, version } = await readShippedFiles();
  const plan = planInstall(facts, shipped, { now: new Date().toISOString(), version });
  printPlan(plan.steps);
  if (context.dryRun) return 0;
  if (plan.restartsEngine && context.systemctl) {
    const engine = facts.engine;
    const running = engine?.reachable ? engine.containersRunning : undefined;
    const keeps = engine?.reachable && engine.liveRestore;
    const warning = `This restarts the Docker Engine (docker.socket and docker.service). ${
      keeps
        ? 'live-restore is on: running containers keep running.'
        : running === 0
          ? 'No container is running now; any that starts meanwhile is stopped.'
          : `${running ?? 'Every'} running container(s) will be STOPPED (live-restore is off).`
    }`;
    if (!(await confirm(warning, context))) return 1;
  }
  console.log('\nInstalling:');
  if (!(await run(plan.steps, context, 'install'))) return 1;
  return verify(context, 'install');
}

async function uninstall(facts: HostFacts, context: Context): Promise<number> {
  if (facts.state.kind === 'invalid') {
    console.error(
      `${MANAGED.stateFile}: ${facts.state.error}\nCannot tell what install changed; not touching anything.`,
    );
    return 1;
  }
  if (facts.state.kind === 'absent') {
    const status = managedStatus(facts, { hostSocket: null, dockerGroupToEngine: null });
    console.log(`Nothing to undo: no ${MANAGED.stateFile}.\n${formatFindings(status.findings)}`);
    return status.findings.some((f) => f.level === 'warn') ? 1 : 0;
  }
  const steps = planUninstall(facts.state.state);
  printPlan(steps);
  if (context.dryRun) return 0;
  if (context.systemctl) {
    const warning =
      'This restarts the Docker Engine (docker.socket and docker.service) on /run/docker.sock; running ' +
      'containers are stopped unless live-restore is on. Until it is back, clients get errors.';
    if (!(await confirm(warning, context))) return 1;
  }
  console.log('\nUninstalling:');
  if (!(await run(steps, context, 'uninstall'))) return 1;
  if (!context.systemctl) return 0;
  const after = await gatherFacts({ root: context.root, systemctl: true, askEngine: true });
  const { hostSocket } = await probeHost(after);
  const findings: Finding[] = [
    hostSocket?.kind === 'other'
      ? {
          level: 'ok',
          check: 'host-socket',
          message: `${MANAGED.hostSocket} is the engine's again (${hostSocket.answer})`,
        }
      : {
          level: 'error',
          check: 'host-socket',
          message: `${MANAGED.hostSocket}: ${JSON.stringify(hostSocket)}`,
        },
    {
      level: after.units[UNIT.dockerSocket].listen.includes(MANAGED.hostSocket) ? 'ok' : 'warn',
      check: 'docker.socket',
      message: `listens on ${after.units[UNIT.dockerSocket].listen.join(', ') || 'nothing'}`,
    },
  ];
  console.log(`\nVerify:\n${formatFindings(findings)}`);
  return hasErrors(findings) ? 1 : 0;
}

async function status(facts: HostFacts, context: Context): Promise<number> {
  const probes = await probeHost(facts);
  const result = managedStatus(facts, probes);
  const containers = result.installed && facts.root === '/' ? await hostSocketContainers(facts) : [];
  const code = result.healthy ? 0 : result.installed ? 1 : 3;
  if (context.json) {
    console.log(
      JSON.stringify(
        {
          installed: result.installed,
          healthy: result.healthy,
          findings: result.findings,
          units: Object.fromEntries(
            Object.entries(facts.units).map(([name, u]) => [
              name,
              {
                loadState: u.loadState,
                activeState: u.activeState,
                unitFileState: u.unitFileState,
                listen: u.listen,
              },
            ]),
          ),
          engine: facts.engine,
          hostSocketContainers: containers,
        },
        null,
        2,
      ),
    );
    return code;
  }
  if (result.installed && !result.healthy) {
    console.log('!!! MANAGED MODE DOES NOT HOLD: see the errors below !!!\n');
  }
  console.log(
    `Socket Warden managed mode: ${result.installed ? (result.healthy ? 'in place' : 'BROKEN') : 'not installed'}`,
  );
  console.log(formatFindings(result.findings));
  printContainers(containers);
  return code;
}

async function verify(context: Context, what: string): Promise<number> {
  const facts = await gatherFacts({
    root: context.root,
    systemctl: context.systemctl,
    askEngine: context.root === '/',
  });
  const result = managedStatus(facts, await probeHost(facts));
  console.log(`\nVerify:\n${formatFindings(result.findings)}`);
  if (context.root === '/') printContainers(await hostSocketContainers(facts));
  if (!result.healthy && context.systemctl) {
    console.error(
      `\n${what} finished, but managed mode does not hold (errors above). \`socket-warden system uninstall\` undoes it.`,
    );
    return 1;
  }
  console.log(
    context.systemctl
      ? `\nManaged mode is in place: ${MANAGED.hostSocket} is Socket Warden's; policy in ${MANAGED.adminSettings}.`
      : `\nThe files are in place under ${context.root}; the systemctl steps were not run.`,
  );
  return 0;
}

function printPlan(steps: readonly PlanStep[]): void {
  console.log(`\nPlan:\n${steps.map((step) => `  ${describeStep(step)}`).join('\n')}`);
}

function printContainers(containers: Awaited<ReturnType<typeof hostSocketContainers>>): void {
  if ('error' in containers) {
    console.log(`\nContainers binding the host's socket: unknown (${containers.error})`);
  } else if (containers.length > 0) {
    console.log(`\nContainers binding the host's socket from before managed mode:`);
    for (const container of containers) console.log(`  ${describeHostSocketContainer(container)}`);
  }
}

async function run(steps: readonly PlanStep[], context: Context, what: string): Promise<boolean> {
  try {
    await runPlan(steps, {
      root: context.root,
      systemctl: context.systemctl,
      say: (line) => console.log(line),
    });
    return true;
  } catch (error) {
    const message = errorMessage(error);
    console.error(`\n${what} failed: ${message}`);
    if (what === 'install') console.error('`socket-warden system uninstall` undoes what was done so far.');
    return false;
  }
}

async function confirm(warning: string, context: Context): Promise<boolean> {
  console.log(`\n${warning}`);
  if (context.yes) return true;
  if (!process.stdin.isTTY) {
    console.error('Not going ahead: pass --yes (there is no terminal to ask).');
    return false;
  }
  const prompt = readline.createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await prompt.question('Go ahead? [y/N] ');
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    prompt.close();
  }
}
