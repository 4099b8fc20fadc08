// Managed mode on a real systemd: a Debian bookworm host (systemd PID 1, stock docker.io, a user `dev` in
// group docker) in a container on the test engine. The daemon package is built, installed with dpkg,
// and `socket-warden system install` takes over /run/docker.sock; every assertion is an outcome a user
// or a client would see.
//
// Runs on the docker20 stack only (the systemd host's inner engine is its own docker.io; the outer
// engine only has to run one privileged-ish container). Needs root. Takes 1.5 min with the image cached
// (/var/cache/socket-warden), a few more minutes the first time (debootstrap).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAEMON_NODE_FLAGS } from '../../electron/cli/daemon-node-flags.js';
import { loadStack } from './stack.js';
import { startSystemdHost, type SystemdHost } from './systemd-host.js';

const stack = loadStack();
const RUNS_HERE = stack.engine === 'docker20';
const DENIED =
  'socket-warden: docker socket mount denied for container with image "docker.io/sw-test/busybox"';
const ENGINE_SOCKET = '/run/socket-warden/engine.sock';
/** Go's net/http and Socket Warden both refuse a request without Host, each in its own words. */
const WHO_ANSWERS =
  "curl -s --max-time 20 --unix-socket /var/run/docker.sock -H 'Host:' http://localhost/_ping";
/** What uninstall must give back exactly: Docker's and systemd's configuration, and the policy. */
const CONFIG_LISTING =
  "find /etc/systemd/system /etc/docker /etc/default/docker /etc/socket-warden /lib/systemd/system/docker.* -printf '%p %m %u:%g %y\\n' 2>/dev/null | sort; " +
  'find /etc/systemd/system /etc/docker /etc/default/docker /etc/socket-warden -type f -print0 2>/dev/null | sort -z | xargs -0 -r md5sum';

let host: SystemdHost | undefined;
const timings: Record<string, number> = {};
let stockConfig = '';

async function timed<T>(what: string, work: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  try {
    return await work();
  } finally {
    timings[what] = (Date.now() - t0) / 1000;
  }
}

function buildDeb(): Promise<string> {
  if (process.env.SW_DAEMON_DEB) return Promise.resolve(path.resolve(process.env.SW_DAEMON_DEB));
  if (!existsSync('dist/electron/cli/main.js'))
    throw new Error('run `npm run build` first (the package is made from dist/)');
  return new Promise((resolve, reject) => {
    execFile(
      'node',
      ['scripts/build-daemon-deb.mjs'],
      { encoding: 'utf8', timeout: 300_000 },
      (error, stdout, stderr) =>
        error
          ? reject(new Error(`scripts/build-daemon-deb.mjs failed: ${stderr}`))
          : resolve(stdout.trim().split('\n').at(-1) as string),
    );
  });
}

const h = (): SystemdHost => {
  if (!host) throw new Error('the systemd host did not start (see beforeAll)');
  return host;
};

async function mainPid(): Promise<string> {
  return (await h().sh('systemctl show -p MainPID --value socket-warden.service')).stdout.trim();
}

describe.runIf(RUNS_HERE)(
  `managed mode on a real systemd host${RUNS_HERE ? '' : ` (excluded: runs on the docker20 stack only; this stack runs ${stack.engine})`}`,
  () => {
    beforeAll(async () => {
      const deb = await timed('deb build', buildDeb);
      host = await timed('systemd host up', () => startSystemdHost(stack, `swm-${process.pid}`));
      await h().copyIn(deb, '/tmp/socket-warden-daemon.deb');
      const installed = await timed('dpkg -i', () =>
        h().exec(['dpkg', '-i', '/tmp/socket-warden-daemon.deb']),
      );
      expect(installed.stderr + installed.stdout).not.toMatch(/error/i);
      expect(installed.code).toBe(0);
      stockConfig = (await h().sh(CONFIG_LISTING)).stdout;
    }, 900_000);

    afterAll(async () => {
      if (host && process.env.SW_KEEP_SYSTEMD_HOST !== '1') await host.remove();
      console.log(
        `managed-mode timings (s): ${Object.entries(timings)
          .map(([what, s]) => `${what} ${s.toFixed(1)}`)
          .join(', ')}`,
      );
    }, 180_000);

    it('the package alone takes over nothing: dev still reaches the engine directly', async () => {
      expect((await h().exec(['socket-warden', 'system', 'status'])).code).toBe(3);
      expect((await h().sh('systemctl is-enabled socket-warden.socket')).stdout.trim()).not.toBe('enabled');
      const answer = await h().as('dev', WHO_ANSWERS);
      expect(answer.stdout).toContain('400 Bad Request');
      expect(answer.stdout).not.toContain('socket-warden');
      expect((await h().exec(['/usr/lib/socket-warden/node/bin/node', '--version'])).stdout).toMatch(
        /^v22\./,
      );
    });

    it('system install --yes checks the host, moves the engine and verifies the outcome', async () => {
      const result = await timed('system install', () =>
        h().exec(['socket-warden', 'system', 'install', '--yes'], { timeoutMs: 120_000 }),
      );
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Docker Engine 20.10');
      expect(result.stdout).toContain('/run/docker.sock is answered by Socket Warden');
      expect(result.stdout).toContain(`a docker-group user cannot connect to ${ENGINE_SOCKET} (EACCES)`);
      expect(result.stdout).toContain('Managed mode is in place');
    });

    it("a docker-group user's docker run goes through Socket Warden", async () => {
      const run = await h().as('dev', 'docker run --rm sw-test/busybox:latest echo hi');
      expect(run.stderr).toBe('');
      expect(run.stdout.trim()).toBe('hi');
      // The same socket dev's CLI used is Socket Warden's, not the engine's.
      expect((await h().as('dev', WHO_ANSWERS)).stdout).toContain(
        'socket-warden: malformed request: missing required Host header',
      );
    });

    it('the service runs the bundled Node with the flags the bench measured the daemon with', async () => {
      const argv = (await h().sh(`tr '\\0' '\\n' < /proc/${await mainPid()}/cmdline`)).stdout
        .trim()
        .split('\n');
      expect(argv.slice(0, 1 + DAEMON_NODE_FLAGS.length + 2)).toEqual([
        '/usr/lib/socket-warden/node/bin/node',
        ...DAEMON_NODE_FLAGS,
        '/usr/lib/socket-warden/app/bin/socket-warden.js',
        'serve',
      ]);
    });

    it("the same user cannot connect to the engine's socket", async () => {
      const direct = await h().as('dev', `docker -H unix://${ENGINE_SOCKET} version`);
      expect(direct.code).not.toBe(0);
      expect(direct.stderr).toContain('permission denied');
      expect(
        (await h().as('dev', `curl -s --unix-socket ${ENGINE_SOCKET} http://localhost/_ping`)).code,
      ).not.toBe(0);
      expect((await h().sh(`stat -c '%a %U:%G' /run/socket-warden ${ENGINE_SOCKET}`)).stdout).toBe(
        '700 root:root\n600 root:root\n',
      );
    });

    it.each([
      ['-v /var/run/docker.sock:/var/run/docker.sock'],
      ['-v /run/docker.sock:/s'],
      ['-v /run/socket-warden:/s'],
      ['--mount type=bind,source=/var/run,target=/s'],
    ])("a socket mount of a non-allowed image is denied with Socket Warden's message: %s", async (mount) => {
      const run = await h().as('dev', `docker run --rm ${mount} sw-test/busybox:latest true`);
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain(DENIED);
    });

    it('host protection: a docker-group user cannot take the host through a container, but may bind /tmp', async () => {
      const MANAGED = "this host's Docker Engine is managed by Socket Warden";
      for (const [flags, words] of [
        ['--privileged', MANAGED],
        ['--pid host', MANAGED],
        ['--cap-add SYS_ADMIN', MANAGED],
        ['-v /opt:/x', MANAGED],
        // A route to the engine is refused by the image list, whoever asks.
        ['-v /:/host', DENIED],
      ]) {
        const run = await h().as(
          'dev',
          `docker run --rm --network none ${flags} sw-test/busybox:latest true`,
        );
        expect(run.code, flags).not.toBe(0);
        expect(run.stderr, flags).toContain(words);
      }
      const allowed = await h().as(
        'dev',
        'mkdir -p /tmp/dev-project && docker run --rm --network none -v /tmp/dev-project:/p sw-test/busybox:latest sh -c "echo ok > /p/out" && cat /tmp/dev-project/out',
      );
      expect(allowed.stdout.trim()).toBe('ok');
    });

    it('report-only: what would be denied runs, and the history says "would deny"', async () => {
      const policy = (await h().sh('cat /etc/socket-warden/admin-settings.json')).stdout;
      const reportOnly = JSON.parse(policy) as { socketWarden: Record<string, unknown> };
      reportOnly.socketWarden.enforcement = 'report-only';
      await h().writeFile(
        '/etc/socket-warden/admin-settings.json',
        `${JSON.stringify(reportOnly, null, 2)}\n`,
      );
      try {
        const deadline = Date.now() + 20_000;
        let run = await h().as(
          'dev',
          'docker run --rm --network none -v /opt:/x:ro sw-test/busybox:latest ls /x',
        );
        while (run.code !== 0 && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 500));
          run = await h().as(
            'dev',
            'docker run --rm --network none -v /opt:/x:ro sw-test/busybox:latest ls /x',
          );
        }
        expect(run.code, run.stderr).toBe(0);
        const history = JSON.parse(
          (await h().exec(['socket-warden', 'history', '--json', '--data-dir', '/var/lib/socket-warden']))
            .stdout,
        ) as { outcome?: string; message: string }[];
        expect(history.some((e) => e.outcome === 'would-deny' && e.message.includes('host path /opt'))).toBe(
          true,
        );
      } finally {
        await h().writeFile('/etc/socket-warden/admin-settings.json', policy);
      }
      // Enforcing again once the file is back.
      const deadline = Date.now() + 20_000;
      let again = await h().as(
        'dev',
        'docker run --rm --network none -v /opt:/x:ro sw-test/busybox:latest true',
      );
      // Until the create itself is refused: a create that slipped through under report-only is
      // followed by an attach the enforcing guard refuses (the reach is judged again), and the CLI
      // prints only "unable to upgrade to tcp, received 403" for a refused upgrade.
      while (!again.stderr.includes('managed by Socket Warden') && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        again = await h().as(
          'dev',
          'docker run --rm --network none -v /opt:/x:ro sw-test/busybox:latest true',
        );
      }
      expect(again.stderr).toContain('managed by Socket Warden');
    });

    it('a client that only knows /var/run/docker.sock is guarded (raw HTTP, as dev and as root)', async () => {
      const body = JSON.stringify({
        Image: 'sw-test/busybox:latest',
        HostConfig: { Binds: ['/var/run/docker.sock:/s'] },
      });
      const create = `curl -s -w '\\n%{http_code}' --unix-socket /var/run/docker.sock -H 'Content-Type: application/json' -d '${body}' http://localhost/v1.41/containers/create`;
      for (const answer of [await h().as('dev', create), await h().sh(create)]) {
        const lines = answer.stdout.trim().split('\n');
        expect(lines.at(-1)).toBe('403');
        expect(JSON.parse(lines[0] as string).message).toContain(DENIED);
      }
      // Root's docker CLI with no DOCKER_HOST and no context: the default socket.
      const root = await h().sh(
        'env -u DOCKER_HOST docker run --rm -v /var/run/docker.sock:/s sw-test/busybox:latest true',
      );
      expect(root.stderr).toContain(DENIED);
      const history = JSON.parse(
        (await h().exec(['socket-warden', 'history', '--json', '--data-dir', '/var/lib/socket-warden']))
          .stdout,
      ) as {
        kind: string;
      }[];
      expect(history.filter((entry) => entry.kind === 'socket-mount-denied').length).toBeGreaterThanOrEqual(
        7,
      );
    });

    it('fails closed: with Socket Warden stopped, clients get errors, never the engine', async () => {
      await h().sh('systemctl stop socket-warden.socket socket-warden.service');
      const stopped = await h().as('dev', 'docker version --format "{{.Server.Version}}"');
      expect(stopped.code).not.toBe(0);
      expect(stopped.stdout.trim()).toBe('');
      expect(stopped.stderr).toContain('Cannot connect to the Docker daemon at unix:///var/run/docker.sock');
      const rootStopped = await h().sh('env -u DOCKER_HOST docker version --format "{{.Server.Version}}"');
      expect(rootStopped.code).not.toBe(0);
      // Started again by its socket alone: the first client starts the service.
      await h().sh('systemctl start socket-warden.socket');
      const back = await h().as('dev', 'docker run --rm sw-test/busybox:latest echo back');
      expect(back.stdout.trim()).toBe('back');
      expect((await h().sh('systemctl is-active socket-warden.service')).stdout.trim()).toBe('active');
    });

    it('a crash: systemd restarts Socket Warden, and a client that came meanwhile is served', async () => {
      const before = await mainPid();
      const after = await h().sh(
        'systemctl kill -s KILL socket-warden.service && su dev -c \'docker version --format "{{.Server.Version}}"\'',
      );
      expect(after.stderr).toBe('');
      expect(after.stdout.trim()).toMatch(/^20\.10/);
      expect(await mainPid()).not.toBe(before);
    });

    it('systemctl restart socket-warden loses no waiting request', async () => {
      // Four clients pinging in a loop, a new connection each time, through the restart; and a run whose
      // attach and wait requests are in flight when it starts (they end within serve's 3 s of grace).
      await h().writeFile(
        '/tmp/clients.sh',
        `#!/bin/bash
rm -f /tmp/run.out /tmp/pings.out
(docker run --rm sw-test/busybox:latest sh -c 'echo started; sleep 1.5; echo run-ok' > /tmp/run.out 2>&1; echo "run exit $?" >> /tmp/run.out) &
until grep -q started /tmp/run.out 2>/dev/null; do sleep 0.05; done
for k in 1 2 3 4; do
  ( while [ $SECONDS -lt 60 ] && { [ ! -e /tmp/restarted ] || [ "$(date +%s)" -lt "$(( $(cat /tmp/restarted) + 2 ))" ]; }; do
      t0=$(date +%s%N)
      r=$(curl -s --max-time 30 --unix-socket /var/run/docker.sock http://localhost/_ping)
      echo "$r $(( ($(date +%s%N) - t0) / 1000000 ))" >> /tmp/pings.out
    done ) &
done
wait
`,
        '755',
      );
      await h().sh('rm -f /tmp/restarted');
      const before = await mainPid();
      const clients = h().as('dev', '/tmp/clients.sh', { timeoutMs: 90_000 });
      // Once the run is under way (its container printed "started"), restart.
      const deadline = Date.now() + 30_000;
      while ((await h().sh('grep -c started /tmp/run.out')).stdout.trim() !== '1' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const t0 = Date.now();
      const restart = await h().sh('systemctl restart socket-warden && date +%s > /tmp/restarted');
      timings['systemctl restart socket-warden'] = (Date.now() - t0) / 1000;
      expect(restart.code).toBe(0);
      await clients;
      const pings = (await h().sh('cat /tmp/pings.out')).stdout.trim().split('\n');
      expect(pings.filter((line) => !line.startsWith('OK '))).toEqual([]);
      expect(pings.length).toBeGreaterThanOrEqual(8);
      // Some waited in systemd's queue while no Socket Warden ran, and were served by the next one.
      const slowest = Math.max(...pings.map((line) => Number(line.split(' ')[1])));
      expect(slowest).toBeGreaterThan(timings['systemctl restart socket-warden'] * 500);
      expect(await mainPid()).not.toBe(before);
      expect((await h().sh('cat /tmp/run.out')).stdout).toBe('started\nrun-ok\nrun exit 0\n');
    });

    it('status says loudly when docker.socket takes /run/docker.sock back, and install again repairs it', async () => {
      expect(
        JSON.parse((await h().exec(['socket-warden', 'system', 'status', '--json'])).stdout),
      ).toMatchObject({
        installed: true,
        healthy: true,
      });
      // What a Docker package upgrade that lost the drop-in would leave: the engine on the standard path.
      await h().sh(
        'rm /etc/systemd/system/docker.socket.d/socket-warden.conf && systemctl daemon-reload && systemctl restart docker.socket docker.service',
        { timeoutMs: 120_000 },
      );
      const broken = await h().exec(['socket-warden', 'system', 'status']);
      expect(broken.code).toBe(1);
      expect(broken.stdout).toContain('MANAGED MODE DOES NOT HOLD');
      expect(broken.stdout).toContain('docker.socket listens on /run/docker.sock again');

      const repaired = await h().exec(['socket-warden', 'system', 'install', '--yes'], {
        timeoutMs: 120_000,
      });
      expect(repaired.code).toBe(0);
      expect((await h().exec(['socket-warden', 'system', 'status'])).code).toBe(0);
      expect(
        (await h().as('dev', 'docker run --rm -v /var/run/docker.sock:/s sw-test/busybox:latest true'))
          .stderr,
      ).toContain(DENIED);
    });

    it('system uninstall restores the stock setup exactly', async () => {
      const result = await timed('system uninstall', () =>
        h().exec(['socket-warden', 'system', 'uninstall', '--yes'], { timeoutMs: 120_000 }),
      );
      expect(result.code).toBe(0);
      expect(result.stdout).toContain("/run/docker.sock is the engine's again");
      expect((await h().sh(CONFIG_LISTING)).stdout).toBe(stockConfig);
      expect((await h().sh('systemctl show -p Listen --value docker.socket')).stdout.trim()).toBe(
        '/run/docker.sock (Stream)',
      );
      expect((await h().sh('test -e /etc/systemd/system/docker.socket.d/socket-warden.conf')).code).not.toBe(
        0,
      );
      expect((await h().sh('ls /run/socket-warden 2>&1')).code).not.toBe(0);
      // dev reaches the engine itself again, on the standard socket.
      const version = await h().as(
        'dev',
        'docker -H unix:///run/docker.sock version --format "{{.Server.Version}}"',
      );
      expect(version.stdout.trim()).toMatch(/^20\.10/);
      const answer = await h().as('dev', WHO_ANSWERS);
      expect(answer.stdout).toContain('400 Bad Request');
      expect(answer.stdout).not.toContain('socket-warden');
      expect((await h().exec(['socket-warden', 'system', 'status'])).code).toBe(3);
    });
  },
);
