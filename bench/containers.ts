// Create and remove containers over either socket, for the create-latency and filtered-socket rows.
import type http from 'node:http';
import { exchange, exchangeJson } from './socket-http.js';

/** A create body for `image` that never starts anything heavy; `binds` adds HostConfig.Binds. */
export function createBody(image: string, binds: string[] = []): unknown {
  return {
    Image: image,
    Cmd: ['true'],
    HostConfig: { NetworkMode: 'none', ...(binds.length > 0 ? { Binds: binds } : {}) },
  };
}

/** POST /containers/create?name=...; throws unless the answer is 201 with an Id. */
export async function createContainer(
  socketPath: string,
  agent: http.Agent | false,
  name: string,
  body: unknown,
): Promise<string> {
  const created = await exchangeJson(
    socketPath,
    'POST',
    `/containers/create?name=${encodeURIComponent(name)}`,
    body,
    agent,
  );
  const id = (created.json as { Id?: unknown } | null)?.Id;
  if (created.status !== 201 || typeof id !== 'string')
    throw new Error(`creating ${name} answered ${created.status}: ${JSON.stringify(created.json)}`);
  return id;
}

/** Creates and returns the milliseconds the create took, end to end as a client sees it. */
export async function timeCreate(
  socketPath: string,
  agent: http.Agent | false,
  name: string,
  body: unknown,
): Promise<{ id: string; ms: number }> {
  const start = process.hrtime.bigint();
  const id = await createContainer(socketPath, agent, name, body);
  return { id, ms: Number(process.hrtime.bigint() - start) / 1e6 };
}

/** DELETE /containers/{id}?force=1&v=1 on the engine directly (cleanup, never timed). */
export async function removeContainer(engineSocket: string, id: string): Promise<void> {
  const { status } = await exchange(engineSocket, false, 'DELETE', `/containers/${id}?force=1&v=1`);
  if (status !== 204 && status !== 404) throw new Error(`removing container ${id} answered ${status}`);
}
