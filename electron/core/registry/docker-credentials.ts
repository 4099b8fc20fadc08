// Registry credentials the way the docker CLI finds them: `$DOCKER_CONFIG/config.json` (default
// ~/.docker), `credHelpers[server]`, then `credsStore`, then inline `auths[server].auth`.
// Helpers are `docker-credential-<name> get` with the server address on stdin.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { errorMessage } from '../../../shared/error-message.js';

export type RegistryCredential =
  | { kind: 'basic'; username: string; password: string }
  /** An OAuth2 refresh token (`docker login` to some registries stores one instead of a password). */
  | { kind: 'identity-token'; token: string };

export interface CredentialSource {
  /** Credentials for a registry ('docker.io' or 'host[:port]'); undefined when there are none. */
  credentialFor(registry: string): Promise<RegistryCredential | undefined>;
}

const DockerConfigSchema = z.looseObject({
  auths: z
    .record(
      z.string(),
      z.looseObject({
        auth: z.string().optional(),
        username: z.string().optional(),
        password: z.string().optional(),
        identitytoken: z.string().optional(),
      }),
    )
    .optional(),
  credsStore: z.string().optional(),
  credHelpers: z.record(z.string(), z.string()).optional(),
});
export type DockerConfig = z.infer<typeof DockerConfigSchema>;

const HUB_SERVER_ADDRESS = 'https://index.docker.io/v1/';

/** The key docker uses for a registry in config.json and with helpers. */
export function credentialServerAddress(registry: string): string {
  return registry === 'docker.io' ? HUB_SERVER_ADDRESS : registry;
}

/** 'https://host:5000/v1/' → 'host:5000': config keys may carry a scheme and path. */
function keyHostname(key: string): string {
  const withoutScheme = key.replace(/^[a-z]+:\/\//i, '');
  const slash = withoutScheme.indexOf('/');
  return (slash === -1 ? withoutScheme : withoutScheme.slice(0, slash)).toLowerCase();
}

function findKey<T>(record: Record<string, T> | undefined, serverAddress: string): T | undefined {
  if (!record) return undefined;
  if (Object.hasOwn(record, serverAddress)) return record[serverAddress];
  const wanted = keyHostname(serverAddress);
  for (const [key, value] of Object.entries(record)) {
    if (keyHostname(key) === wanted) return value;
  }
  return undefined;
}

export type CredentialPlan =
  | { source: 'helper'; helper: string; serverAddress: string; fallback?: RegistryCredential }
  | { source: 'inline'; credential: RegistryCredential }
  | { source: 'none' };

/** Decides where a registry's credentials come from. Pure. */
export function planCredentialLookup(config: DockerConfig, registry: string): CredentialPlan {
  const serverAddress = credentialServerAddress(registry);
  const inline = inlineCredential(findKey(config.auths, serverAddress));
  const helper = findKey(config.credHelpers, serverAddress) ?? config.credsStore;
  if (helper)
    return inline
      ? { source: 'helper', helper, serverAddress, fallback: inline }
      : { source: 'helper', helper, serverAddress };
  return inline ? { source: 'inline', credential: inline } : { source: 'none' };
}

function inlineCredential(
  entry: NonNullable<DockerConfig['auths']>[string] | undefined,
): RegistryCredential | undefined {
  if (!entry) return undefined;
  if (entry.identitytoken) return { kind: 'identity-token', token: entry.identitytoken };
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0)
      return { kind: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (entry.username && entry.password)
    return { kind: 'basic', username: entry.username, password: entry.password };
  return undefined;
}

const HelperAnswerSchema = z.looseObject({ Username: z.string(), Secret: z.string() });

/** What `docker-credential-<name> get` printed, and whether it exited 0. */
export interface HelperRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}
export type HelperRunner = (program: string, serverAddress: string, timeoutMs: number) => Promise<HelperRun>;

/** Reads a helper's answer: `<token>` as the user name means the secret is an identity token. */
export function helperCredential(run: HelperRun): RegistryCredential | undefined {
  const text = run.stdout.trim();
  // The helpers' protocol: exit 1 and this message when they hold nothing for the server.
  if (run.exitCode !== 0) {
    if (/credentials not found/i.test(text) || /credentials not found/i.test(run.stderr)) return undefined;
    throw new Error(`failed (exit ${run.exitCode}): ${(text || run.stderr.trim()).slice(0, 200)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error('printed something that is not JSON');
  }
  const answer = HelperAnswerSchema.safeParse(json);
  if (!answer.success) throw new Error('printed JSON without Username and Secret');
  const { Username, Secret } = answer.data;
  if (Secret === '') return undefined;
  if (Username === '<token>') return { kind: 'identity-token', token: Secret };
  return { kind: 'basic', username: Username, password: Secret };
}

export const runCredentialHelper: HelperRunner = (program, serverAddress, timeoutMs) =>
  new Promise((resolve, reject) => {
    const child = spawn(program, ['get'], { stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ENOENT' ? new Error('is not installed (not found on PATH)') : error),
    );
    child.on('close', (code, signal) => {
      if (signal) reject(new Error(`was stopped by ${signal} (timeout ${timeoutMs} ms?)`));
      else resolve({ exitCode: code ?? 1, stdout, stderr });
    });
    child.stdin.on('error', () => undefined); // a helper that exits without reading stdin
    child.stdin.end(serverAddress);
  });

/** Where the docker CLI keeps config.json. */
export function dockerConfigDir(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  return env.DOCKER_CONFIG || join(home, '.docker');
}

export interface DockerConfigCredentialsOptions {
  /** Defaults to `$DOCKER_CONFIG` or ~/.docker. */
  configDir?: string;
  helperTimeoutMs?: number;
  runHelper?: HelperRunner;
}

/** Reads config.json on every lookup, so `docker login` takes effect without a restart. */
export class DockerConfigCredentials implements CredentialSource {
  private readonly configDir: string;
  private readonly helperTimeoutMs: number;
  private readonly runHelper: HelperRunner;

  constructor(options: DockerConfigCredentialsOptions = {}) {
    this.configDir = options.configDir ?? dockerConfigDir();
    this.helperTimeoutMs = options.helperTimeoutMs ?? 10_000;
    this.runHelper = options.runHelper ?? runCredentialHelper;
  }

  async credentialFor(registry: string): Promise<RegistryCredential | undefined> {
    const config = await this.readConfig();
    const plan = planCredentialLookup(config, registry);
    if (plan.source === 'none') return undefined;
    if (plan.source === 'inline') return plan.credential;
    const program = `docker-credential-${plan.helper}`;
    let credential: RegistryCredential | undefined;
    try {
      credential = helperCredential(await this.runHelper(program, plan.serverAddress, this.helperTimeoutMs));
    } catch (error) {
      throw new Error(`credential helper ${program} ${errorMessage(error)}`, { cause: error });
    }
    return credential ?? plan.fallback;
  }

  private async readConfig(): Promise<DockerConfig> {
    const path = join(this.configDir, 'config.json');
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw error;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`${path} is not valid JSON`);
    }
    const parsed = DockerConfigSchema.safeParse(json);
    if (!parsed.success) throw new Error(`${path} is not a docker config: ${parsed.error.message}`);
    return parsed.data;
  }
}
