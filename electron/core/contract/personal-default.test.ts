import { describe, expect, it } from 'vitest';
import {
  defaultStatus,
  goesAround,
  planDefaultOff,
  planDefaultOn,
  setTestcontainersDockerHost,
  testcontainersDockerHost,
  type DefaultFacts,
} from './personal-default.js';

const listen = '/run/user/1000/socket-warden/docker.sock';
const ours = `unix://${listen}`;
const file = '/home/u/.testcontainers.properties';

const facts = (over: Partial<DefaultFacts> = {}): DefaultFacts => ({
  listen,
  currentContext: 'default',
  contextExists: false,
  testcontainersFile: file,
  testcontainersText: null,
  env: {},
  state: {},
  ...over,
});

describe('testcontainersDockerHost', () => {
  it.each<[string, string | null, string | null]>([
    ['no file', null, null],
    ['absent', 'ryuk.disabled=true\n', null],
    ['key=value', 'docker.host=unix:///x.sock\n', 'unix:///x.sock'],
    ['key: value with spaces', '  docker.host :  tcp://h:2375  \n', 'tcp://h:2375'],
    ['key value', 'docker.host unix:///y\n', 'unix:///y'],
    ['commented out', '#docker.host=unix:///x\n! docker.host=unix:///z\n', null],
    ['the last one wins', 'docker.host=a\ndocker.host=b\n', 'b'],
    ['CRLF', 'docker.host=unix:///c\r\n', 'unix:///c'],
    ['another key with the prefix', 'docker.hostname=x\n', null],
  ])('%s', (_name, text, expected) => {
    expect(testcontainersDockerHost(text)).toBe(expected);
  });
});

describe('setTestcontainersDockerHost', () => {
  it.each<[string, string | null, string | null, string]>([
    ['new file', null, ours, `docker.host=${ours}\n`],
    [
      'appended, other lines kept',
      '# mine\nryuk.disabled=true',
      ours,
      `# mine\nryuk.disabled=true\ndocker.host=${ours}\n`,
    ],
    ['replaced in place', 'a=1\ndocker.host=tcp://x\nb=2\n', ours, `a=1\ndocker.host=${ours}\nb=2\n`],
    [
      'duplicates folded into the last',
      'docker.host=1\na=1\ndocker.host=2\n',
      ours,
      `a=1\ndocker.host=${ours}\n`,
    ],
    ['removed', 'a=1\ndocker.host=x\n', null, 'a=1\n'],
    ['removed, file left empty', 'docker.host=x\n', null, ''],
    [
      'comments with the key untouched',
      '#docker.host=old\n',
      ours,
      `#docker.host=old\ndocker.host=${ours}\n`,
    ],
    ['CRLF kept on the replaced line', 'a=1\r\ndocker.host=x\r\n', ours, `a=1\r\ndocker.host=${ours}\r\n`],
  ])('%s', (_name, text, value, expected) => {
    expect(setTestcontainersDockerHost(text, value)).toBe(expected);
  });
});

describe('planDefaultOn', () => {
  it('creates and uses the context, writes docker.host, and remembers what was there', () => {
    const steps = planDefaultOn(facts({ testcontainersText: 'docker.host=tcp://old:2375\n' }));
    expect(
      steps.map((step) => (step.kind === 'docker' ? step.args.slice(0, 2).join(' ') : step.kind)),
    ).toEqual(['context create', 'context use', 'write-file', 'save-state']);
    expect(steps[2]).toMatchObject({ file, text: `docker.host=${ours}\n` });
    expect(steps[3]).toEqual({
      kind: 'save-state',
      state: {
        previousContext: 'default',
        testcontainers: { file, previous: 'tcp://old:2375', value: ours },
      },
    });
  });

  it('updates a context that points elsewhere', () => {
    const steps = planDefaultOn(facts({ contextExists: true, contextHost: 'unix:///old.sock' }));
    expect(steps[0]).toMatchObject({
      kind: 'docker',
      args: expect.arrayContaining(['update', `host=${ours}`]) as string[],
    });
  });

  it('does nothing when it is the default already', () => {
    expect(
      planDefaultOn(
        facts({
          currentContext: 'socket-warden',
          contextExists: true,
          contextHost: ours,
          testcontainersText: `docker.host=${ours}\n`,
        }),
      ),
    ).toEqual([]);
  });

  it('without the docker CLI, still sets Testcontainers', () => {
    const steps = planDefaultOn(facts({ currentContext: undefined }));
    expect(steps.map((step) => step.kind)).toEqual(['write-file', 'save-state']);
  });
});

describe('planDefaultOff', () => {
  it('restores the previous context and docker.host', () => {
    const steps = planDefaultOff(
      facts({
        currentContext: 'socket-warden',
        contextExists: true,
        contextHost: ours,
        testcontainersText: `a=1\ndocker.host=${ours}\n`,
        state: {
          previousContext: 'desktop-linux',
          testcontainers: { file, previous: 'tcp://old:2375', value: ours },
        },
      }),
    );
    expect(steps).toEqual([
      { kind: 'docker', args: ['context', 'use', 'desktop-linux'], why: expect.any(String) as string },
      {
        kind: 'write-file',
        file,
        text: 'a=1\ndocker.host=tcp://old:2375\n',
        why: expect.any(String) as string,
      },
      { kind: 'save-state', state: {} },
    ]);
  });

  it('removes a docker.host it added, and falls back to the default context', () => {
    const steps = planDefaultOff(
      facts({ currentContext: 'socket-warden', testcontainersText: `docker.host=${ours}\n`, state: {} }),
    );
    expect(steps[0]).toMatchObject({ args: ['context', 'use', 'default'] });
    expect(steps[1]).toMatchObject({ kind: 'write-file', text: '' });
  });

  it('leaves a docker.host and a context the user chose since', () => {
    const steps = planDefaultOff(
      facts({
        currentContext: 'other',
        testcontainersText: 'docker.host=tcp://mine\n',
        state: { previousContext: 'default', testcontainers: { file, previous: null, value: ours } },
      }),
    );
    expect(steps).toEqual([{ kind: 'save-state', state: {} }]);
  });

  it('does nothing when nothing was made default', () => {
    expect(planDefaultOff(facts())).toEqual([]);
  });
});

describe('defaultStatus and goesAround', () => {
  it('is on only when the context is current and points here, and docker.host is ours', () => {
    expect(
      defaultStatus(
        facts({
          currentContext: 'socket-warden',
          contextExists: true,
          contextHost: ours,
          testcontainersText: `docker.host=${ours}`,
        }),
      ),
    ).toMatchObject({ dockerHost: ours, dockerContext: true, testcontainers: true });
    expect(defaultStatus(facts())).toMatchObject({ dockerContext: false, testcontainers: false });
  });

  it('always says that the engine socket itself goes around, and names a DOCKER_HOST that does', () => {
    const lines = goesAround({
      listen,
      env: { DOCKER_HOST: 'unix:///var/run/docker.sock', DOCKER_CONTEXT: 'x' },
    });
    expect(lines[0]).toMatch(/\/var\/run\/docker.sock.*only managed mode/);
    expect(lines[1]).toMatch(/^DOCKER_HOST=unix:\/\/\/var\/run\/docker.sock is set/);
    expect(lines[2]).toMatch(/^DOCKER_CONTEXT=x/);
    expect(goesAround({ listen, env: { DOCKER_HOST: ours } })).toHaveLength(1);
  });
});
