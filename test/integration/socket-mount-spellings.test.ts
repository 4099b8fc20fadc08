// What the real engine does with each way of spelling a mount, straight against the stack's dockerd
// (no proxy): the unit tables in electron/core/policy/*.test.ts claim these behaviours, this file
// proves them. A temp directory holding a marker file stands in for the socket's directory; each
// container prints the marker if it can see it.
import { request } from 'node:http';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCreateBody } from '../../electron/core/policy/container-create.js';
import { adminSettingsJson, WardenProcess, writeAdminFile } from './daemon-harness.js';
import { cliApiPrefix, docker, isDockerd, isPodman, loadStack } from './stack.js';

const stack = loadStack();
const run = randomBytes(4).toString('hex');
const IMAGE = 'sw-test/busybox:latest';
const MARKER = `marker-${run}`;
const containers: string[] = [];
const volumes: string[] = [];
let dir = '';

interface ApiResponse {
  status: number;
  body: string;
}

/** Raw HTTP on the engine socket: the body goes out byte for byte as written here. */
function api(
  method: string,
  path: string,
  body?: string,
  socketPath = stack.dockerSocket,
): Promise<ApiResponse> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(body, 'utf8');
    const req = request(
      {
        socketPath,
        method,
        path,
        headers: data
          ? { 'Content-Type': 'application/json', 'Content-Length': data.length }
          : { 'Content-Length': 0 },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

let counter = 0;
/** Creates with `body` (a template: NAME-free), starts, waits and returns what the container printed. */
async function createAndRun(
  body: string,
  version = 'v1.41',
): Promise<{ created: boolean; output: string; id: string }> {
  const name = `sw-spell-${run}-${counter++}`;
  const created = await api('POST', `/${version}/containers/create?name=${name}`, body);
  if (created.status !== 201) return { created: false, output: created.body, id: '' };
  const { Id: id } = JSON.parse(created.body) as { Id: string };
  containers.push(id);
  const started = await api('POST', `/${version}/containers/${id}/start`);
  expect(started.status, started.body).toBe(204);
  await docker(stack.dockerHost, ['wait', id]);
  const logs = await docker(stack.dockerHost, ['logs', id]);
  return { created: true, output: logs.stdout + logs.stderr, id };
}

const CMD = `"Cmd":["sh","-c","cat /h/${MARKER} 2>/dev/null || echo MISSING"]`;
const create = (config: string) => `{"Image":"${IMAGE}",${CMD}${config ? `,${config}` : ''}}`;
const seen = (output: string) => output.includes(run) && !output.includes('MISSING');

// What differs between the engines (each is asserted below, on the engines that have it and those that
// do not):
/** Docker 20.10 and Podman decode one JSON value and ignore what follows; Docker 26 refuses it (400). */
const readsOneJsonValue = stack.engine === 'docker20' || isPodman();
/** Docker reads HostConfig's fields at the top level of a create body that has no HostConfig. */
const readsTopLevelHostConfig = isDockerd();
/** Docker honours a Mounts entry's VolumeOptions; Podman's compat API ignores them. */
const readsVolumeOptions = isDockerd();

/** The bind sources and mount sources a created container has, as the engine recorded them. */
async function mountedSources(id: string): Promise<string[]> {
  const inspected = await docker(stack.dockerHost, [
    'inspect',
    '--format',
    '{{json .HostConfig.Binds}}|{{json .Mounts}}',
    id,
  ]);
  expect(inspected.code, inspected.stderr).toBe(0);
  const [binds, mounts] = inspected.stdout.trim().split('|');
  return [
    ...((JSON.parse(binds ?? 'null') as string[] | null) ?? []),
    ...((JSON.parse(mounts ?? 'null') as { Source: string }[] | null) ?? []).map((m) => m.Source),
  ];
}

/** Creates (never starts) with `body`; the container's ID, or the engine's refusal. */
async function createOnly(
  body: string,
  version = 'v1.41',
): Promise<{ status: number; id: string; body: string }> {
  const created = await api('POST', `/${version}/containers/create?name=sw-spell-${run}-${counter++}`, body);
  if (created.status !== 201) return { status: created.status, id: '', body: created.body };
  const { Id: id } = JSON.parse(created.body) as { Id: string };
  containers.push(id);
  return { status: created.status, id, body: created.body };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), `sw-spell-${run}-`));
  await writeFile(join(dir, MARKER), `${run}\n`);
  await symlink(dir, `${dir}-link`);
});

afterAll(async () => {
  if (containers.length > 0) await docker(stack.dockerHost, ['rm', '-f', '-v', ...containers]);
  if (volumes.length > 0) await docker(stack.dockerHost, ['volume', 'rm', '-f', ...volumes]);
  await rm(`${dir}-link`, { force: true });
  await rm(dir, { recursive: true, force: true });
});

const volumeOptions = (): string =>
  create(
    `"HostConfig":{"NetworkMode":"none","Mounts":[{"Type":"volume","Source":"sw-spell-${run}-mv","Target":"/h","VolumeOptions":{"DriverConfig":{"Name":"local","Options":{"type":"none","o":"bind","device":"${dir}"}}}}]}`,
  );
const trailing = (): string =>
  `${create(`"HostConfig":{"NetworkMode":"none","Binds":["${dir}:/h"]}`)} trailing garbage`;

describe('spellings the engine honours (each container sees the marker)', () => {
  const cases: Array<[string, () => string]> = [
    ['canonical HostConfig.Binds', () => create(`"HostConfig":{"NetworkMode":"none","Binds":["${dir}:/h"]}`)],
    [
      'lower-case keys',
      () =>
        `{"image":"${IMAGE}",${CMD.replace('"Cmd"', '"cmd"')},"hostconfig":{"networkmode":"none","binds":["${dir}:/h"]}}`,
    ],
    [
      'upper-case keys',
      () => `{"IMAGE":"${IMAGE}",${CMD},"HOSTCONFIG":{"NETWORKMODE":"none","BINDS":["${dir}:/h"]}}`,
    ],
    [
      'long-s keys (U+017F)',
      () => create(`"Ho\u017ftConfig":{"NetworkMode":"none","Bind\u017f":["${dir}:/h"]}`),
    ],
    ['escaped keys', () => create(`"\\u0048ostConfig":{"NetworkMode":"none","B\\u0069nds":["${dir}:/h"]}`)],
    [
      'a second HostConfig merging into the first',
      () => create(`"HostConfig":{"Binds":["${dir}:/h"]},"HostConfig":{"NetworkMode":"none"}`),
    ],
    [
      'Binds revived by a null element',
      () => create(`"HostConfig":{"NetworkMode":"none","Binds":["${dir}:/h","/tmp:/other"],"Binds":[null]}`),
    ],
    [
      'a //, .. spelling of the path',
      () => create(`"HostConfig":{"NetworkMode":"none","Binds":["/${dir}/../${basename(dir)}/.:/h"]}`),
    ],
    [
      'a symlink to the directory',
      () => create(`"HostConfig":{"NetworkMode":"none","Binds":["${dir}-link:/h"]}`),
    ],
    [
      'Mounts type bind',
      () =>
        create(
          `"HostConfig":{"NetworkMode":"none","Mounts":[{"Type":"bind","Source":"${dir}","Target":"/h"}]}`,
        ),
    ],
  ];

  it.each(cases)('%s', async (_name, body) => {
    const result = await createAndRun(body());
    expect(result.created, result.output).toBe(true);
    expect(seen(result.output), result.output).toBe(true);
  });

  it.runIf(readsTopLevelHostConfig).each<[string, () => string]>([
    ['deprecated top-level Binds, no HostConfig', () => create(`"NetworkMode":"none","Binds":["${dir}:/h"]`)],
    [
      'top-level Binds after HostConfig was nulled',
      () =>
        create(
          `"HostConfig":{"Binds":["/tmp:/other"]},"HostConfig":null,"NetworkMode":"none","Binds":["${dir}:/h"]`,
        ),
    ],
  ])('%s (Docker reads top-level HostConfig fields)', async (_name, body) => {
    const result = await createAndRun(body());
    expect(result.created, result.output).toBe(true);
    expect(seen(result.output), result.output).toBe(true);
  });

  it.runIf(readsVolumeOptions)('Mounts type volume, new local volume with o=bind (Docker)', async () => {
    volumes.push(`sw-spell-${run}-mv`);
    const result = await createAndRun(volumeOptions());
    expect(result.created, result.output).toBe(true);
    expect(seen(result.output), result.output).toBe(true);
  });
  it.runIf(readsOneJsonValue)(
    'trailing data after the object is ignored (Docker 20.10, Podman)',
    async () => {
      const result = await createAndRun(trailing());
      expect(result.created, result.output).toBe(true);
      expect(seen(result.output), result.output).toBe(true);
    },
  );
  it('Kelvin-sign key (U+212A) selects WorkingDir', async () => {
    const body = `{"Image":"${IMAGE}","Wor\u212AingDir":"/h","Cmd":["sh","-c","cat ${MARKER} 2>/dev/null || echo MISSING"],"HostConfig":{"NetworkMode":"none","Binds":["${dir}:/h"]}}`;
    const result = await createAndRun(body);
    expect(seen(result.output), result.output).toBe(true);
  });

  it('an existing local volume with o=bind device=<dir>, named in Binds', async () => {
    const name = `sw-spell-${run}-vol`;
    const made = await api(
      'POST',
      '/v1.41/volumes/create',
      JSON.stringify({ Name: name, Driver: 'local', DriverOpts: { type: 'none', o: 'bind', device: dir } }),
    );
    expect(made.status, made.body).toBe(201);
    volumes.push(name);
    const result = await createAndRun(
      create(`"HostConfig":{"NetworkMode":"none","Binds":["${name}:/h:ro"]}`),
    );
    expect(seen(result.output), result.output).toBe(true);
  });

  it('VolumesFrom a container that has the bind, with :ro', async () => {
    const holder = await createAndRun(create(`"HostConfig":{"NetworkMode":"none","Binds":["${dir}:/h"]}`));
    expect(seen(holder.output)).toBe(true);
    const result = await createAndRun(
      create(`"HostConfig":{"NetworkMode":"none","VolumesFrom":["${holder.id}:ro"]}`),
    );
    expect(seen(result.output), result.output).toBe(true);
  });

  it.runIf(stack.engine === 'docker20')(
    'API 1.23 (Docker 20.10): a HostConfig in the start body adds binds after create',
    async () => {
      const name = `sw-spell-${run}-legacy`;
      const created = await api(
        'POST',
        `/v1.23/containers/create?name=${name}`,
        create(`"HostConfig":{"NetworkMode":"none"}`),
      );
      expect(created.status, created.body).toBe(201);
      const { Id: id } = JSON.parse(created.body) as { Id: string };
      containers.push(id);
      const started = await api(
        'POST',
        `/v1.23/containers/${id}/start`,
        `{"Binds":["${dir}:/h"],"NetworkMode":"none"}`,
      );
      expect(started.status, started.body).toBe(204);
      await docker(stack.dockerHost, ['wait', id]);
      const logs = await docker(stack.dockerHost, ['logs', id]);
      expect(seen(logs.stdout), logs.stdout + logs.stderr).toBe(true);
      // The same body on a current API version is refused by the engine itself.
      const again = await api('POST', `/v1.41/containers/${id}/start`, `{"Binds":["${dir}:/h"]}`);
      expect(again.status).toBe(400);
    },
  );
});

describe(`spellings the engines read differently, and start bodies (${stack.engine})`, () => {
  // Podman reads no HostConfig field at the top level: not Binds, and not NetworkMode either, so the
  // container would start on the default (bridge) network, which this stack does not have. It is
  // created, never started, and the engine's own record shows the bind was dropped.
  it.runIf(!readsTopLevelHostConfig).each<[string, () => string]>([
    ['deprecated top-level Binds, no HostConfig', () => create(`"NetworkMode":"none","Binds":["${dir}:/h"]`)],
    [
      'top-level Binds after HostConfig was nulled',
      () =>
        create(
          `"HostConfig":{"Binds":["/tmp:/other"]},"HostConfig":null,"NetworkMode":"none","Binds":["${dir}:/h"]`,
        ),
    ],
  ])('%s: ignored by Podman (no top-level HostConfig fields)', async (_name, body) => {
    const created = await createOnly(body());
    expect(created.status, created.body).toBe(201);
    expect(await mountedSources(created.id)).not.toContain(`${dir}:/h`);
    expect((await mountedSources(created.id)).some((source) => source.startsWith(dir))).toBe(false);
  });

  it.runIf(!readsVolumeOptions)(
    'Mounts type volume with o=bind options: Podman ignores VolumeOptions and makes a plain volume',
    async () => {
      volumes.push(`sw-spell-${run}-mv`);
      const result = await createAndRun(volumeOptions());
      expect(result.created, result.output).toBe(true);
      expect(result.output).toContain('MISSING');
      expect(seen(result.output), result.output).toBe(false);
    },
  );

  it.runIf(!readsOneJsonValue)('trailing data after the object is refused (Docker 26)', async () => {
    const result = await createAndRun(trailing());
    expect(result.created, result.output).toBe(false);
    expect(JSON.parse(result.output)).toEqual({ message: 'unexpected content after JSON' });
  });

  it.runIf(stack.engine === 'docker26' || stack.engine === 'docker26-containerd')(
    'API 1.23 (Docker 26): refused outright, and a start body at any version it speaks is refused',
    async () => {
      const old = await api(
        'POST',
        `/v1.23/containers/create?name=sw-spell-${run}-legacy`,
        create(`"HostConfig":{"NetworkMode":"none"}`),
      );
      expect(old.status).toBe(400);
      expect(old.body).toContain('Minimum supported API version is 1.24');
      const created = await createOnly(create(`"HostConfig":{"NetworkMode":"none"}`), 'v1.24');
      expect(created.status, created.body).toBe(201);
      for (const version of ['v1.23', 'v1.24', cliApiPrefix(stack).slice(1)]) {
        const started = await api(
          'POST',
          `/${version}/containers/${created.id}/start`,
          `{"Binds":["${dir}:/h"]}`,
        );
        expect(started.status, started.body).toBe(400);
      }
      const state = await docker(stack.dockerHost, ['inspect', '--format', '{{.State.Status}}', created.id]);
      expect(state.stdout.trim()).toBe('created');
    },
  );

  it.runIf(isPodman())(
    'API 1.23 (Podman): a HostConfig in the start body is ignored, at 1.23 and at 1.41',
    async () => {
      for (const version of ['v1.23', 'v1.41']) {
        const created = await createOnly(create(`"HostConfig":{"NetworkMode":"none"}`), version);
        expect(created.status, created.body).toBe(201);
        const started = await api(
          'POST',
          `/${version}/containers/${created.id}/start`,
          `{"Binds":["${dir}:/h"],"NetworkMode":"none"}`,
        );
        expect(started.status, started.body).toBe(204);
        await docker(stack.dockerHost, ['wait', created.id]);
        const logs = await docker(stack.dockerHost, ['logs', created.id]);
        expect(logs.stdout).toContain('MISSING');
        expect(seen(logs.stdout + logs.stderr)).toBe(false);
      }
    },
  );

  it('Socket Warden refuses a start body at every API version, whatever the engine would do with it', async () => {
    const wardenDir = await mkdtemp(join(tmpdir(), `sw-spell-${run}-warden-`));
    await writeAdminFile(WardenProcess.paths(wardenDir).adminFile, adminSettingsJson({}));
    const warden = await WardenProcess.start({ dir: wardenDir, upstream: stack.dockerSocket });
    try {
      const created = await createOnly(create(`"HostConfig":{"NetworkMode":"none"}`), 'v1.24');
      expect(created.status, created.body).toBe(201);
      for (const version of ['v1.23', cliApiPrefix(stack).slice(1)]) {
        const started = await api(
          'POST',
          `/${version}/containers/${created.id}/start`,
          `{"Binds":["${dir}:/h"],"NetworkMode":"none"}`,
          warden.listen,
        );
        expect(started.status, started.body).toBe(400);
        expect(JSON.parse(started.body)).toEqual({
          message:
            'socket-warden: a HostConfig in the container start request is not supported; set it when creating the container',
        });
      }
      const state = await docker(stack.dockerHost, ['inspect', '--format', '{{.State.Status}}', created.id]);
      expect(state.stdout.trim()).toBe('created');
    } finally {
      await warden.stop();
      await rm(wardenDir, { recursive: true, force: true });
    }
  });
});

describe('spellings the engine ignores (the container does not see the marker)', () => {
  it.each<[string, () => string]>([
    [
      'top-level Binds when HostConfig is present',
      () => create(`"Binds":["${dir}:/h"],"HostConfig":{"NetworkMode":"none"}`),
    ],
    // go1.19 (this engine) folds only K and S specially; go1.21+ would also fold dotless i to I.
    [
      'dotless-i key (U+0131) on a go1.19 engine',
      () => create(`"HostConfig":{"NetworkMode":"none","B\u0131nds":["${dir}:/h"]}`),
    ],
    [
      'Cyrillic look-alike key',
      () => create(`"HostConfig":{"NetworkMode":"none","Bind\u0455":["${dir}:/h"]}`),
    ],
  ])('%s', async (_name, body) => {
    const result = await createAndRun(body());
    expect(result.created, result.output).toBe(true);
    expect(seen(result.output), result.output).toBe(false);
  });
});

describe('a second JSON value after the first', () => {
  const body = (): string =>
    `${create(`"HostConfig":{"NetworkMode":"none"}`)}{"HostConfig":{"Binds":["${dir}:/h"]}}`;
  it.runIf(readsOneJsonValue)(
    'is ignored (Docker 20.10, Podman): the container does not see the marker',
    async () => {
      const result = await createAndRun(body());
      expect(result.created, result.output).toBe(true);
      expect(seen(result.output), result.output).toBe(false);
    },
  );
  it.runIf(!readsOneJsonValue)('is refused (Docker 26)', async () => {
    const result = await createAndRun(body());
    expect(result.created, result.output).toBe(false);
    expect(JSON.parse(result.output)).toEqual({ message: 'unexpected content after JSON' });
  });
});

describe('the canonical form the proxy forwards keeps what the engine honoured', () => {
  it('a merged, folded, stale-revived body re-serialized still mounts the same directory', async () => {
    const original = create(
      `"HOSTCONFIG":{"Bind\u017f":["${dir}:/h","/tmp:/other"]},"hostconfig":{"NetworkMode":"none","binds":[null]}`,
    );
    const decoded = decodeCreateBody(Buffer.from(original));
    if (!decoded.ok) throw new Error(decoded.message);
    expect(decoded.value.binds).toEqual([`${dir}:/h`]);
    const canonical = decoded.value.serialize().toString('utf8');
    expect(canonical).not.toMatch(/HOSTCONFIG|hostconfig|\u017f/);
    const direct = await createAndRun(original);
    const forwarded = await createAndRun(canonical);
    expect([seen(direct.output), seen(forwarded.output)]).toEqual([true, true]);
  });
});
