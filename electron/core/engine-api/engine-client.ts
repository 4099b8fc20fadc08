// The few Engine API calls the daemon makes itself (inspect, list, version, events, pull, remove),
// through dockerode on the engine's unix socket. The proxy's data path does not use it: it speaks
// HTTP/1.1 to the engine itself (proxy/engine-exchange.ts).
//
// dockerode is loaded without its ssh transport and BuildKit session (dockerode-loader.ts), and its
// progress reader is not used: it decodes each chunk on its own, so a UTF-8 character split across
// chunks would become U+FFFD (json-lines.ts reads the streams).
import type Dockerode from 'dockerode';
import http from 'node:http';
import { inspect } from 'node:util';
import { DockerConfigCredentials, type CredentialSource } from '../registry/docker-credentials.js';
import { loadDockerode } from './dockerode-loader.js';
import { engineAuthConfig, registryOfRepository } from './engine-auth-config.js';

const Docker = loadDockerode();

/** The engine answered with an error status; `statusCode` 404 means it has no such object. */
export class EngineApiError extends Error {
  override name = 'EngineApiError';
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** The parts of `GET /containers/{id}/json` the daemon reads. */
export interface ContainerInspect {
  Name: string;
  State: { Running: boolean };
  HostConfig: { PidMode?: string };
  Mounts: { Type: string; Source: string; Name?: string; Destination: string }[];
}

/** The parts of `GET /volumes/{name}` the daemon reads. */
export interface VolumeInspect {
  Driver: string;
  Options?: Record<string, string> | null;
}

/** The parts of `GET /images/{name}/json` the daemon reads. */
export interface ImageInspect {
  Id: string;
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
  RootFS?: { Layers?: string[] | null };
}

/** One entry of `GET /images/json`. */
export interface ImageSummary {
  Id: string;
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
}

export interface EngineVersion {
  Version: string;
  ApiVersion: string;
  /** Podman says `Podman Engine` here. */
  Components?: { Name?: string }[] | null;
}

/** Whether the engine behind this /version answer is Podman's Docker-compatible service. */
export function isPodmanVersion(version: EngineVersion): boolean {
  return version.Components?.some((c) => /podman/i.test(c.Name ?? '')) ?? false;
}

/** The parts of `GET /info` the daemon reads. */
export interface EngineInfo {
  DockerRootDir?: string;
  /** The containerd image store says `["driver-type", "io.containerd.snapshotter.v1"]`. */
  DriverStatus?: [string, string][] | null;
  CgroupVersion?: string;
  Name?: string;
}

/** The parts of Podman's own `GET /libpod/info` `store` the daemon reads (where its image store is). */
export interface PodmanStoreInfo {
  graphRoot?: string;
  graphDriverName?: string;
  /** Driver options as given, e.g. `overlay.imagestore` or `overlay.additionalImageStores`. */
  graphOptions?: Record<string, unknown> | null;
}

/** The parts of `GET /networks/{id}` the daemon reads. */
export interface NetworkInspect {
  Name: string;
  Driver: string;
}

/** The parts of `GET /exec/{id}/json` the daemon reads. */
export interface ExecInspect {
  ContainerID: string;
  ProcessConfig?: { privileged?: boolean } | null;
}

/**
 * Encodes an object name for a path segment. '/', ':' and '@' stay (image references contain them
 * and the engine routes `{name:.*}`); anything that would end or bend the path ('?', '#', '%',
 * spaces) is escaped, so the engine is asked about exactly the name it was given. dockerode puts
 * names into paths as they are, so every name goes through this first.
 */
export function engineName(name: string): string {
  return encodeURIComponent(name).replace(/%2F/gi, '/').replace(/%3A/gi, ':').replace(/%40/g, '@');
}

export interface EngineClientOptions {
  /** Where a pull's registry credentials come from; default: the docker CLI's config.json and helpers. */
  credentials?: CredentialSource;
}

/** What docker-modem rejects with when the engine answers with a status the call does not expect. */
interface ModemError extends Error {
  statusCode?: number;
  json?: unknown;
}

/**
 * The engine's error answer as an EngineApiError carrying the status, in the same words whatever the
 * call: `(HTTP code 404) No such image: …`. Errors without a status (the socket refused, ENOENT) pass
 * through as they are: they are failures, not answers.
 */
function engineError(error: unknown): unknown {
  const modem = error as ModemError | null;
  if (typeof modem?.statusCode !== 'number') return error;
  const body = modem.json as { message?: unknown } | null | undefined;
  // Streamed calls (pull, events) carry no parsed body; docker-modem put the engine's message into its
  // own: `(HTTP code 404) <reason> - <message> `.
  const message =
    typeof body?.message === 'string'
      ? body.message
      : modem.message.replace(/^\(HTTP code \d+\) [^-]*- /, '').trim();
  return new EngineApiError(modem.statusCode, `(HTTP code ${modem.statusCode}) ${message || 'no message'}`);
}

/** Runs a dockerode call, turning the engine's error answers into EngineApiErrors. */
async function ask<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw engineError(error);
  }
}

/**
 * docker-modem formats every request's options with util.inspect({ showHidden: true, depth: null })
 * for its debug log, whether that log is on or not: with the agent in them, that walked the agent's
 * kept-alive sockets and all their internals, ~8 ms of the event loop per engine call (each create
 * with a socket mount makes one). The agent prints as its name instead.
 */
class EngineAgent extends http.Agent {
  [inspect.custom](): string {
    return 'EngineAgent';
  }
}

export class EngineClient {
  /** Keep-alive: the create path inspects images and containers; a new connection each time costs. */
  private readonly agent = new EngineAgent({ keepAlive: true });
  private readonly docker: Dockerode;
  private readonly credentials: CredentialSource;

  constructor(
    readonly socketPath: string,
    options: EngineClientOptions = {},
  ) {
    this.credentials = options.credentials ?? new DockerConfigCredentials();
    // docker-modem starts from DOCKER_HOST, DOCKER_CERT_PATH and DOCKER_CLIENT_TIMEOUT and lets the
    // options override them: every one of them is overridden, so the socket given is the one spoken to
    // (a tcp:// or ssh:// DOCKER_HOST would otherwise win over socketPath).
    const modemOptions: Dockerode.DockerOptions & { agent: http.Agent } = {
      socketPath,
      host: undefined,
      port: undefined,
      protocol: 'http',
      ca: undefined,
      cert: undefined,
      key: undefined,
      timeout: undefined,
      agent: this.agent,
    };
    this.docker = new Docker(modemOptions);
  }

  inspectContainer(id: string): Promise<ContainerInspect> {
    return this.inspectContainerJson(id) as Promise<ContainerInspect>;
  }

  /** The whole inspect answer, for callers that check it with their own schema. */
  inspectContainerJson(id: string): Promise<unknown> {
    return ask(() => this.docker.getContainer(engineName(id)).inspect());
  }

  inspectNetwork(id: string): Promise<NetworkInspect> {
    return ask(() => this.docker.getNetwork(engineName(id)).inspect() as Promise<NetworkInspect>);
  }

  inspectExec(id: string): Promise<ExecInspect> {
    return ask(() => this.docker.getExec(engineName(id)).inspect() as Promise<ExecInspect>);
  }

  // The engine's own JSON, typed by the interfaces above (the parts read); fields are checked where read.
  info(): Promise<EngineInfo> {
    return ask(() => this.docker.info() as Promise<EngineInfo>);
  }

  /** Podman only: its libpod /info's `store` (the compat /info does not say how the store is laid out). */
  podmanStoreInfo(): Promise<PodmanStoreInfo> {
    return ask(
      () =>
        new Promise<PodmanStoreInfo>((resolve, reject) => {
          const modem = this.docker.modem as {
            dial(options: object, callback: (error: unknown, data: unknown) => void): void;
          };
          modem.dial(
            { path: '/v4.0.0/libpod/info', method: 'GET', statusCodes: { 200: true }, options: {} },
            (error, data) => {
              if (error) reject(error instanceof Error ? error : new Error(String(error)));
              else resolve((data as { store?: PodmanStoreInfo } | null)?.store ?? {});
            },
          );
        }),
    );
  }

  inspectVolume(name: string): Promise<VolumeInspect> {
    return ask(() => this.docker.getVolume(engineName(name)).inspect() as Promise<VolumeInspect>);
  }

  inspectImage(name: string): Promise<ImageInspect> {
    return ask(() => this.docker.getImage(engineName(name)).inspect() as Promise<ImageInspect>);
  }

  /** `reference`: only images with a name matching one of these (the engine's `reference` filter). */
  listImages(filters: { reference?: string[] } = {}): Promise<ImageSummary[]> {
    const options = filters.reference ? { filters: JSON.stringify({ reference: filters.reference }) } : {};
    return ask(() => this.docker.listImages(options) as Promise<ImageSummary[]>);
  }

  version(): Promise<EngineVersion> {
    return ask(() => this.docker.version() as Promise<EngineVersion>);
  }

  /** `DELETE /containers/{id}?force=true&v=true`: what the engine does itself to a `--rm` container whose start failed. */
  async removeContainer(id: string): Promise<void> {
    await ask(() => this.docker.getContainer(engineName(id)).remove({ force: true, v: true }));
  }

  /** `POST /containers/{id}/kill` (SIGKILL). */
  async killContainer(id: string): Promise<void> {
    await ask(() => this.docker.getContainer(engineName(id)).kill());
  }

  /** `POST /containers/{id}/update` with only a restart policy. */
  async updateRestartPolicy(
    id: string,
    name: 'no' | 'always' | 'unless-stopped' | 'on-failure',
  ): Promise<void> {
    await ask(() => this.docker.getContainer(engineName(id)).update({ RestartPolicy: { Name: name } }));
  }

  /**
   * `DELETE /images/{name}` without force: the engine refuses (409) an image a container uses, one with
   * child images, or an ID named by several repositories.
   */
  async removeImage(name: string): Promise<void> {
    await ask(() => this.docker.getImage(engineName(name)).remove({ noprune: false }));
  }

  /**
   * `POST /images/create` with the registry's credentials from config.json (`X-Registry-Auth`), when it
   * has any: resolves once the engine starts answering; the body is JSON-lines progress.
   */
  async pull(repository: string, tag: string): Promise<http.IncomingMessage> {
    const registry = registryOfRepository(repository);
    const credential = await this.credentials.credentialFor(registry);
    const auth = credential ? engineAuthConfig(credential, registry) : undefined;
    return ask(
      () =>
        this.docker.createImage(auth, {
          fromImage: repository,
          tag,
        }) as unknown as Promise<http.IncomingMessage>,
    );
  }

  /** `GET /events` with filters: resolves once the engine accepted; the body is one JSON object per line. */
  events(filters: Record<string, string[]>): Promise<http.IncomingMessage> {
    // docker-modem sends object query values as JSON, as the Engine API expects for filters.
    return ask(
      () =>
        this.docker.getEvents({
          filters,
        } as Dockerode.GetEventsOptions) as unknown as Promise<http.IncomingMessage>,
    );
  }

  /** Closes idle keep-alive connections (open streams are their owners' to destroy). */
  close(): void {
    this.agent.destroy();
  }
}
