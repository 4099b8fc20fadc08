// After every container start, checks what the container's mounts really expose (mount-exposure.ts)
// and stops a container that reached an engine socket other than its own filtered socket: the engine
// starts containers by itself (restart policies, a daemon restart, swarm tasks), resolving bind
// sources anew each time, and those starts pass no proxy. Managed mode only: on a personal machine
// the user may run the engine's socket into a container straight on the engine, and Socket Warden
// does not stop what it was not asked. Needs root (other processes' /proc/<pid>/mountinfo).
import { readFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import type { NewHistoryEntry } from '../../../shared/history-entry.js';
import type { EngineClient } from '../engine-api/engine-client.js';
import { lineSplitter } from '../engine-api/json-lines.js';
import type { Log } from '../log.js';
import { exposedGuards, locateGuards } from './mount-exposure.js';
import type { Guard } from './guard.js';
import { parseMountInfo } from './mount-aliases.js';

export interface MountVerifierOptions {
  engine: EngineClient;
  guards: () => readonly Guard[];
  /** The container a filtered socket path was handed to. */
  ownerOf: (socketPath: string) => string | undefined;
  /** Whether to act (enforcing, and managed). */
  active: () => boolean;
  record: (entry: NewHistoryEntry) => void;
  log: Log;
}

export class MountVerifier {
  private stream: IncomingMessage | undefined;
  private closed = false;

  constructor(private readonly options: MountVerifierOptions) {}

  start(): void {
    if (this.closed) return;
    const retry = (): void => {
      this.stream = undefined;
      if (!this.closed) setTimeout(() => this.start(), 2000).unref();
    };
    this.options.engine.events({ type: ['container'] }).then((stream) => {
      if (this.closed) return void stream.destroy();
      this.stream = stream;
      stream.on(
        'data',
        lineSplitter((line) => this.onEvent(line)),
      );
      stream.on('end', retry);
      stream.on('error', retry);
    }, retry);
  }

  stop(): void {
    this.closed = true;
    this.stream?.destroy();
  }

  private onEvent(line: string): void {
    let event: { Action?: string; id?: string; Actor?: { ID?: string } };
    try {
      event = JSON.parse(line) as typeof event;
    } catch {
      return;
    }
    const id = event.id ?? event.Actor?.ID;
    if (event.Action !== 'start' || !id || !this.options.active()) return;
    void this.verify(id).catch((error: unknown) =>
      this.options.log.error(`mount check of ${id.slice(0, 12)}: ${String(error)}`),
    );
  }

  /** Checks one started container; returns the host paths it exposed (empty: none). */
  async verify(id: string): Promise<string[]> {
    const inspect = (await this.options.engine.inspectContainerJson(id)) as {
      Name?: string;
      State?: { Pid?: number; Running?: boolean };
    };
    const pid = inspect.State?.Pid ?? 0;
    if (!inspect.State?.Running || pid <= 0) return [];
    const [hostText, containerText] = await Promise.all([
      readFile('/proc/self/mountinfo', 'utf8'),
      readFile(`/proc/${pid}/mountinfo`, 'utf8'),
    ]);
    const locations = locateGuards(this.options.guards(), parseMountInfo(hostText));
    const exposed = exposedGuards(parseMountInfo(containerText), locations, (exposure) => {
      if (exposure.location.guard.kind !== 'filtered-sockets') return false;
      return this.options.ownerOf(exposure.hostPath) === id;
    });
    if (exposed.length === 0) return [];
    const name = (inspect.Name ?? '').replace(/^\//, '') || id.slice(0, 12);
    const what = exposed
      .slice(0, 3)
      .map((e) => `${e.location.guard.what} ${e.location.guard.path} at ${e.mountPoint}`)
      .join('; ');
    // Not restarted again by its restart policy, then stopped at once.
    await this.options.engine.updateRestartPolicy(id, 'no').catch(() => undefined);
    await this.options.engine.killContainer(id);
    const message = `socket-warden: stopped container ${name}: after it started, its mounts reached ${what}; a bind source was changed since it was judged (remove it and create it again)`;
    this.options.log.warn(message);
    this.options.record({
      kind: 'socket-mount-denied',
      reason: 'not-allowed',
      message,
      requester: { kind: 'host' },
      request: { method: 'POST', uri: `/containers/${id}/start (started by the engine)` },
    });
    return exposed.map((e) => e.hostPath);
  }
}
