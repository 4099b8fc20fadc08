// The few Engine API calls the daemon makes itself (inspect, list, version, events, pull, remove),
// over node:http on the engine's unix socket. Not dockerode: its client pulls in ssh2 (which builds a
// zlib stream and a WebAssembly instance with 16 MB of memory as it loads) and gRPC, about 20 MB of
// a resident daemon that only ever speaks HTTP to a local socket.
import http from 'node:http';

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

/** Query parameters; objects (e.g. event filters) are sent as JSON, as the Engine API expects. */
export type EngineQuery = Record<string, string | boolean | Record<string, string[]> | undefined>;

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

/** The parts of `GET /info` the daemon reads. */
export interface EngineInfo {
  DockerRootDir?: string;
  /** The containerd image store says `["driver-type", "io.containerd.snapshotter.v1"]`. */
  DriverStatus?: [string, string][] | null;
  CgroupVersion?: string;
  Name?: string;
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

/** Error bodies are small JSON objects; more than this is not an answer worth reading. */
const MAX_ERROR_BODY = 64 * 1024;

/**
 * Encodes an object name for a path segment. '/', ':' and '@' stay (image references contain them
 * and the engine routes `{name:.*}`); anything that would end or bend the path ('?', '#', '%',
 * spaces) is escaped, so the engine is asked about exactly the name it was given.
 */
export function engineName(name: string): string {
  return encodeURIComponent(name).replace(/%2F/gi, '/').replace(/%3A/gi, ':').replace(/%40/g, '@');
}

function queryString(query: EngineQuery | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    params.set(key, typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

export class EngineClient {
  /** Keep-alive: the create path inspects images and containers; a new connection each time costs. */
  private readonly agent = new http.Agent({ keepAlive: true });

  constructor(readonly socketPath: string) {}

  inspectContainer(id: string): Promise<ContainerInspect> {
    return this.json<ContainerInspect>('GET', `/containers/${engineName(id)}/json`);
  }

  /** The whole inspect answer, for callers that check it with their own schema. */
  inspectContainerJson(id: string): Promise<unknown> {
    return this.json<unknown>('GET', `/containers/${engineName(id)}/json`);
  }

  inspectNetwork(id: string): Promise<NetworkInspect> {
    return this.json<NetworkInspect>('GET', `/networks/${engineName(id)}`);
  }

  inspectExec(id: string): Promise<ExecInspect> {
    return this.json<ExecInspect>('GET', `/exec/${engineName(id)}/json`);
  }

  info(): Promise<EngineInfo> {
    return this.json<EngineInfo>('GET', '/info');
  }

  inspectVolume(name: string): Promise<VolumeInspect> {
    return this.json<VolumeInspect>('GET', `/volumes/${engineName(name)}`);
  }

  inspectImage(name: string): Promise<ImageInspect> {
    return this.json<ImageInspect>('GET', `/images/${engineName(name)}/json`);
  }

  listImages(): Promise<ImageSummary[]> {
    return this.json<ImageSummary[]>('GET', '/images/json');
  }

  version(): Promise<EngineVersion> {
    return this.json<EngineVersion>('GET', '/version');
  }

  /** `DELETE /containers/{id}?force=1&v=1`: what the engine does itself to a `--rm` container whose start failed. */
  async removeContainer(id: string): Promise<void> {
    (await this.request('DELETE', `/containers/${engineName(id)}`, { force: true, v: true })).resume();
  }

  /** `POST /containers/{id}/kill` (SIGKILL). */
  async killContainer(id: string): Promise<void> {
    (await this.request('POST', `/containers/${engineName(id)}/kill`)).resume();
  }

  /** `POST /containers/{id}/update` with only a restart policy. */
  async updateRestartPolicy(
    id: string,
    name: 'no' | 'always' | 'unless-stopped' | 'on-failure',
  ): Promise<void> {
    (
      await this.request('POST', `/containers/${engineName(id)}/update`, undefined, {
        RestartPolicy: { Name: name },
      })
    ).resume();
  }

  async removeImage(name: string): Promise<void> {
    (await this.request('DELETE', `/images/${engineName(name)}`, { noprune: false })).resume();
  }

  /** `POST /images/create`: resolves once the engine starts answering; the body is JSON-lines progress. */
  pull(repository: string, tag: string): Promise<http.IncomingMessage> {
    return this.request('POST', '/images/create', { fromImage: repository, tag });
  }

  /** `GET /events` with filters: resolves once the engine accepted; the body is one JSON object per line. */
  events(filters: Record<string, string[]>): Promise<http.IncomingMessage> {
    return this.request('GET', '/events', { filters });
  }

  /** Closes idle keep-alive connections (open streams are their owners' to destroy). */
  close(): void {
    this.agent.destroy();
  }

  private async json<T>(method: string, path: string, query?: EngineQuery): Promise<T> {
    const response = await this.request(method, path, query);
    const chunks: Buffer[] = [];
    for await (const chunk of response) chunks.push(chunk as Buffer);
    // The engine's own JSON, typed by the caller's interface as dockerode did; fields are checked where read.
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as T;
  }

  /** Sends a request (with a JSON body when given); resolves with a 2xx response, rejects with EngineApiError otherwise. */
  private request(
    method: string,
    path: string,
    query?: EngineQuery,
    body?: unknown,
  ): Promise<http.IncomingMessage> {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body), 'utf8');
    return new Promise((resolve, reject) => {
      const request = http.request(
        {
          socketPath: this.socketPath,
          agent: this.agent,
          method,
          path: `${path}${queryString(query)}`,
          ...(data ? { headers: { 'Content-Type': 'application/json', 'Content-Length': data.length } } : {}),
        },
        (response) => {
          const status = response.statusCode ?? 0;
          if (status >= 200 && status < 300) return resolve(response);
          void errorOf(status, response).then(reject, reject);
        },
      );
      request.on('error', reject);
      request.end(data);
    });
  }
}

/** The engine's error answer, `{"message": ...}`, as an EngineApiError carrying the status. */
async function errorOf(status: number, response: http.IncomingMessage): Promise<EngineApiError> {
  let text = '';
  for await (const chunk of response) {
    if (text.length < MAX_ERROR_BODY) text += (chunk as Buffer).toString('utf8');
  }
  let message = text.trim();
  try {
    const parsed = JSON.parse(text) as { message?: unknown } | null;
    if (typeof parsed?.message === 'string') message = parsed.message;
  } catch {
    // Not JSON: keep the text.
  }
  return new EngineApiError(status, `(HTTP code ${status}) ${message || 'no message'}`);
}
