// Personal mode's "make Socket Warden the default": pure plans over what is there now, so every case
// is table-tested and the I/O half (personal-default-io.ts) only reads, runs and writes.
//   - docker: the `socket-warden` context, made current (the previous current context is remembered);
//   - Testcontainers: `docker.host=unix://…` in ~/.testcontainers.properties, every other line kept
//     (the previous value is remembered, and `off` puts it back).
// What still goes around the proxy is said plainly: only managed mode closes that.

export const CONTEXT_NAME = 'socket-warden';
export const TESTCONTAINERS_KEY = 'docker.host';

/** What `on` changed, kept so `off` restores exactly that. */
export interface DefaultState {
  /** The docker context that was current before (`default` when none was chosen). */
  previousContext?: string;
  /** The file's `docker.host` before: null when it had none (then `off` removes the line). */
  testcontainers?: { file: string; previous: string | null; value: string };
}

/** A `key=value` line of a .properties file (also `key: value` and `key value`), or not. */
function propertyOf(line: string): { key: string; value: string } | undefined {
  const trimmed = line.replace(/^[ \t\f]+/, '');
  if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith('!')) return undefined;
  const match = /^((?:\\.|[^=:\s\\])+)[ \t\f]*(?:[=:][ \t\f]*|[ \t\f]+|$)(.*)$/.exec(trimmed);
  if (!match?.[1]) return undefined;
  return { key: match[1].replace(/\\(.)/g, '$1'), value: (match[2] ?? '').trimEnd() };
}

/** The file's `docker.host` (the last one wins, as java.util.Properties reads it), or null. */
export function testcontainersDockerHost(text: string | null): string | null {
  let value: string | null = null;
  for (const line of (text ?? '').split('\n')) {
    const property = propertyOf(line.replace(/\r$/, ''));
    if (property?.key === TESTCONTAINERS_KEY) value = property.value;
  }
  return value;
}

/**
 * The file with `docker.host` set to `value`: the last such line replaced in place (earlier ones
 * dropped, so the file says one thing), or a line appended; every other line as it was.
 */
export function setTestcontainersDockerHost(text: string | null, value: string | null): string {
  const lines = text === null || text === '' ? [] : text.replace(/\n$/, '').split('\n');
  const indexes = lines.flatMap((line, index) =>
    propertyOf(line.replace(/\r$/, ''))?.key === TESTCONTAINERS_KEY ? [index] : [],
  );
  const last = indexes.at(-1);
  const kept = lines.flatMap((line, index) => {
    if (!indexes.includes(index)) return [line];
    if (index !== last || value === null) return [];
    return [`${TESTCONTAINERS_KEY}=${value}${line.endsWith('\r') ? '\r' : ''}`];
  });
  if (last === undefined && value !== null) kept.push(`${TESTCONTAINERS_KEY}=${value}`);
  return kept.length ? `${kept.join('\n')}\n` : '';
}

export interface DefaultFacts {
  /** The socket Socket Warden listens on. */
  listen: string;
  /** `docker context show`, undefined when the docker CLI is missing. */
  currentContext?: string;
  contextExists: boolean;
  /** Where the socket-warden context points (`unix://…`), when it exists. */
  contextHost?: string;
  testcontainersFile: string;
  /** The file's text, null when it does not exist. */
  testcontainersText: string | null;
  /** The environment the user's tools see (DOCKER_HOST, TESTCONTAINERS_HOST_OVERRIDE…). */
  env: Readonly<Record<string, string | undefined>>;
  state: DefaultState;
}

export type DefaultStep =
  | { kind: 'docker'; args: string[]; why: string }
  | { kind: 'write-file'; file: string; text: string; why: string }
  | { kind: 'save-state'; state: DefaultState };

export interface DefaultStatus {
  dockerHost: string;
  /** The socket-warden context exists, points at us and is current. */
  dockerContext: boolean;
  testcontainers: boolean;
  /** What still reaches the engine around Socket Warden, in words. */
  goesAround: string[];
}

export function defaultStatus(facts: DefaultFacts): DefaultStatus {
  const dockerHost = `unix://${facts.listen}`;
  return {
    dockerHost,
    dockerContext:
      facts.contextExists && facts.contextHost === dockerHost && facts.currentContext === CONTEXT_NAME,
    testcontainers: testcontainersDockerHost(facts.testcontainersText) === dockerHost,
    goesAround: goesAround(facts),
  };
}

/** Said wherever the default is offered: what personal mode cannot close. */
export function goesAround(facts: Pick<DefaultFacts, 'env' | 'listen' | 'currentContext'>): string[] {
  const ours = `unix://${facts.listen}`;
  const lines = [
    'Anything that opens /var/run/docker.sock itself (IDEs, docker compose with -H, CI runners, scripts, ' +
      'a container given the socket by another route) still reaches the engine directly: only managed mode ' +
      '(sudo socket-warden system install) closes that.',
  ];
  const host = facts.env.DOCKER_HOST;
  if (host && host !== ours)
    lines.push(
      `DOCKER_HOST=${host} is set in this environment: it overrides the docker context and Testcontainers' ` +
        'settings for every program that inherits it. Unset it, or set it to the guarded socket.',
    );
  else if (!host)
    lines.push(
      'A DOCKER_HOST set elsewhere (a shell profile, an IDE run configuration, a CI job) overrides the docker ' +
        "context and Testcontainers' settings for the programs that see it.",
    );
  if (facts.env.DOCKER_CONTEXT && facts.env.DOCKER_CONTEXT !== CONTEXT_NAME)
    lines.push(
      `DOCKER_CONTEXT=${facts.env.DOCKER_CONTEXT} is set: the docker CLI uses that context instead.`,
    );
  return lines;
}

export function planDefaultOn(facts: DefaultFacts): DefaultStep[] {
  const dockerHost = `unix://${facts.listen}`;
  const steps: DefaultStep[] = [];
  const state: DefaultState = { ...facts.state };
  if (facts.currentContext !== undefined) {
    if (!facts.contextExists || facts.contextHost !== dockerHost)
      steps.push({
        kind: 'docker',
        args: [
          'context',
          facts.contextExists ? 'update' : 'create',
          CONTEXT_NAME,
          '--description',
          'Docker through Socket Warden',
          '--docker',
          `host=${dockerHost}`,
        ],
        why: `a docker context ${CONTEXT_NAME} for ${dockerHost}`,
      });
    if (facts.currentContext !== CONTEXT_NAME) {
      state.previousContext = facts.currentContext;
      steps.push({
        kind: 'docker',
        args: ['context', 'use', CONTEXT_NAME],
        why: `the docker CLI uses it (was: ${facts.currentContext})`,
      });
    }
  }
  const current = testcontainersDockerHost(facts.testcontainersText);
  if (current !== dockerHost) {
    state.testcontainers = { file: facts.testcontainersFile, previous: current, value: dockerHost };
    steps.push({
      kind: 'write-file',
      file: facts.testcontainersFile,
      text: setTestcontainersDockerHost(facts.testcontainersText, dockerHost),
      why: `Testcontainers' ${TESTCONTAINERS_KEY}=${dockerHost}${current === null ? '' : ` (was: ${current})`}`,
    });
  }
  if (steps.length) steps.push({ kind: 'save-state', state });
  return steps;
}

export function planDefaultOff(facts: DefaultFacts): DefaultStep[] {
  const dockerHost = `unix://${facts.listen}`;
  const steps: DefaultStep[] = [];
  const state: DefaultState = { ...facts.state };
  if (facts.currentContext === CONTEXT_NAME) {
    const back = facts.state.previousContext ?? 'default';
    steps.push({ kind: 'docker', args: ['context', 'use', back], why: `the docker CLI uses ${back} again` });
  }
  delete state.previousContext;
  const saved = facts.state.testcontainers;
  const current = testcontainersDockerHost(facts.testcontainersText);
  // Only our own value is taken back: one the user set since stays.
  if (current === dockerHost) {
    const previous = saved && saved.value === dockerHost ? saved.previous : null;
    steps.push({
      kind: 'write-file',
      file: facts.testcontainersFile,
      text: setTestcontainersDockerHost(facts.testcontainersText, previous),
      why:
        previous === null
          ? `Testcontainers' ${TESTCONTAINERS_KEY} removed`
          : `Testcontainers' ${TESTCONTAINERS_KEY}=${previous} again`,
    });
  }
  delete state.testcontainers;
  if (steps.length || facts.state.previousContext || facts.state.testcontainers)
    steps.push({ kind: 'save-state', state });
  return steps;
}
