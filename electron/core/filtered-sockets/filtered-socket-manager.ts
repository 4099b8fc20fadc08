// Each container allowed to mount the Docker socket gets a socket of its own instead: a proxy whose
// requests are attributed to that container and pass the command list. The socket exists before the
// container starts (it is made when the create is judged) and goes when the engine destroys the
// container. Records survive restarts; a container still running from before a restart holds the
// old socket's inode, so it is reported as needing a restart rather than silently cut off.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { IncomingMessage } from 'node:http';
import type { EngineClient } from '../engine-api/engine-client.js';
import { lineSplitter } from '../engine-api/json-lines.js';
import { isNotFound } from '../images/engine-not-found.js';
import type { Log } from '../log.js';
import type { FilteredSocketProvider } from '../policy/policy-gate.js';
import type { ProxyClients } from '../proxy/proxy-clients.js';
import { ProxyServer } from '../proxy/proxy-server.js';
import type { Requester, RequestGate } from '../proxy/request-gate.js';
import type { Upstream } from '../proxy/upstream.js';

export interface FilteredSocketRecord {
  token: string;
  path: string;
  containerId: string;
  name: string;
  image: string;
}

export interface FilteredSocketStatus extends FilteredSocketRecord {
  /** Set when the container is running on a socket from before Socket Warden restarted. */
  needsRestart?: string;
}

interface Live {
  record: FilteredSocketRecord;
  requester: Extract<Requester, { kind: 'container' }>;
  server: ProxyServer;
  needsRestart?: string;
}

export interface FilteredSocketManagerOptions {
  dir: string;
  upstream: Upstream;
  gate: RequestGate;
  engine: EngineClient;
  gid?: number;
  log: Log;
  /** Told whenever the set of filtered sockets (or a container's restart notice) changes. */
  onChange?: () => void;
  /** Each filtered socket is one client of these (its own limits, and a budget all of them share). */
  clients?: ProxyClients;
}

const STATE_FILE = 'filtered-sockets.json';
const SPARE_SOCKETS = 2;

export class FilteredSocketManager implements FilteredSocketProvider {
  private readonly live = new Map<string, Live>();
  private eventStream: IncomingMessage | null = null;
  private closed = false;
  private saving: Promise<void> = Promise.resolve();
  /** A save not begun yet: changes made before it begins are in it. */
  private queuedSave: Promise<void> | null = null;
  private readonly spares: Live[] = [];
  private refilling = false;

  constructor(private readonly options: FilteredSocketManagerOptions) {}

  get dir(): string {
    return this.options.dir;
  }

  /** Restores sockets of containers that still exist, removes leftovers, and starts watching the engine. */
  async start(): Promise<void> {
    await fs.mkdir(this.options.dir, { recursive: true, mode: 0o750 });
    const records = await this.readState();
    const kept = new Set<string>();
    for (const record of records) {
      const state = await this.containerState(record.containerId);
      // 'unknown' (the engine is not answering) keeps the socket: the container may well exist.
      if (state === 'gone') continue;
      const live = await this.listen(record);
      if (state === 'running') {
        live.needsRestart = `${record.name || record.containerId.slice(0, 12)} was started before Socket Warden restarted and still holds the old socket; restart it (docker restart ${record.containerId.slice(0, 12)}) to reconnect`;
        this.options.log.warn(`filtered socket: ${live.needsRestart}`);
      }
      kept.add(record.path);
    }
    for (const entry of await fs.readdir(this.options.dir)) {
      const file = path.join(this.options.dir, entry);
      if (!kept.has(file) && entry.endsWith('.sock')) await fs.rm(file, { force: true });
    }
    await this.saveState();
    this.watchEvents();
    await this.refillSpares();
  }

  async reserve(info: {
    name: string;
    image: string;
  }): Promise<{ path: string; created(id: string): void; abort(): void }> {
    // A socket made ahead of time keeps bind/chmod/chown off the create's path.
    const live = this.spares.pop() ?? (await this.listen(this.newRecord()));
    // After this turn: the create goes to the engine first, the new spare is made while it works.
    setImmediate(() => void this.refillSpares());
    const { record } = live;
    record.name = info.name;
    record.image = info.image;
    live.requester.name = info.name;
    live.requester.image = info.image;
    return {
      path: record.path,
      created: (id) => {
        record.containerId = id;
        live.requester.id = id;
        void this.saveState();
        // Unnamed containers get a name from the engine; history entries should show it.
        if (!record.name) void this.learnName(live);
      },
      abort: () => void this.remove(record.token),
    };
  }

  private newRecord(): FilteredSocketRecord {
    const token = randomBytes(12).toString('hex');
    return {
      token,
      path: path.join(this.options.dir, `${token}.sock`),
      containerId: '',
      name: '',
      image: '',
    };
  }

  /** Keeps SPARE_SOCKETS unassigned sockets listening (random names under a 0750 root-owned dir). */
  private async refillSpares(): Promise<void> {
    if (this.refilling) return;
    this.refilling = true;
    try {
      while (!this.closed && this.spares.length < SPARE_SOCKETS)
        this.spares.push(await this.listen(this.newRecord()));
    } catch (error) {
      this.options.log.error(`filtered sockets: cannot prepare a spare socket: ${String(error)}`);
    } finally {
      this.refilling = false;
    }
  }

  ownerOf(socketPath: string): string | undefined {
    for (const live of this.live.values())
      if (live.record.path === socketPath) return live.record.containerId;
    return undefined;
  }

  status(): FilteredSocketStatus[] {
    return [...this.live.values()].map((live) => ({
      ...live.record,
      ...(live.needsRestart ? { needsRestart: live.needsRestart } : {}),
    }));
  }

  /** Stops listening (sockets of existing containers are re-made at the next start). */
  async close(): Promise<void> {
    this.closed = true;
    this.eventStream?.destroy();
    await Promise.all([...this.live.values()].map((live) => live.server.close(500)));
    await this.saving;
  }

  private async listen(record: FilteredSocketRecord): Promise<Live> {
    const requester: Extract<Requester, { kind: 'container' }> = {
      kind: 'container',
      id: record.containerId,
      name: record.name,
      image: record.image,
    };
    const server = await ProxyServer.listen({
      listenPath: record.path,
      upstream: this.options.upstream,
      gate: this.options.gate,
      requester,
      gid: this.options.gid,
      onError: (error) => this.options.log.error(`filtered socket ${record.token}: ${error.message}`),
      client: this.options.clients?.container(),
    });
    const live: Live = { record, requester, server };
    this.live.set(record.token, live);
    return live;
  }

  private async learnName(live: Live): Promise<void> {
    try {
      const info = await this.options.engine.inspectContainer(live.record.containerId);
      live.record.name = info.Name.replace(/^\//, '');
      live.requester.name = live.record.name;
      await this.saveState();
    } catch {
      // The container may already be gone; the ID still identifies it.
    }
  }

  private async remove(token: string): Promise<void> {
    const live = this.live.get(token);
    if (!live) return;
    this.live.delete(token);
    await live.server.close(500);
    await this.saveState();
  }

  private async containerState(id: string): Promise<'running' | 'stopped' | 'gone' | 'unknown'> {
    if (!id) return 'gone';
    try {
      const info = await this.options.engine.inspectContainer(id);
      return info.State.Running ? 'running' : 'stopped';
    } catch (error) {
      return isNotFound(error) ? 'gone' : 'unknown';
    }
  }

  /** Follows container events: destroy removes the socket; start means the current socket is bound. */
  private watchEvents(): void {
    if (this.closed) return;
    const retry = (): void => {
      this.eventStream = null;
      if (!this.closed) setTimeout(() => this.watchEvents(), 2000).unref();
    };
    // Only the type is filtered by the engine: Podman answers nothing to event filters it does not
    // know, and names a removal `remove` where Docker says `destroy`.
    this.options.engine.events({ type: ['container'] }).then((stream) => {
      if (this.closed) return void stream.destroy();
      this.eventStream = stream;
      void this.reconcile();
      stream.on(
        'data',
        lineSplitter((line) => this.onEvent(line)),
      );
      stream.on('end', retry);
      stream.on('error', retry);
    }, retry);
  }

  private onEvent(line: string): void {
    let event: { Action?: string; id?: string; Actor?: { ID?: string } };
    try {
      event = JSON.parse(line) as typeof event;
    } catch {
      return;
    }
    event.id ??= event.Actor?.ID;
    for (const [token, live] of this.live) {
      if (!event.id || live.record.containerId !== event.id) continue;
      if (event.Action === 'destroy' || event.Action === 'remove') void this.remove(token);
      if (event.Action === 'start' && live.needsRestart) {
        live.needsRestart = undefined;
        this.options.onChange?.();
      }
    }
  }

  /** After (re)connecting to the engine, drops sockets whose containers vanished meanwhile. */
  private async reconcile(): Promise<void> {
    for (const [token, live] of this.live) {
      if (live.record.containerId && (await this.containerState(live.record.containerId)) === 'gone')
        await this.remove(token);
    }
  }

  private async readState(): Promise<FilteredSocketRecord[]> {
    try {
      const parsed = JSON.parse(
        await fs.readFile(path.join(this.options.dir, STATE_FILE), 'utf8'),
      ) as unknown;
      return Array.isArray(parsed)
        ? (parsed as FilteredSocketRecord[]).filter(
            (r) => typeof r?.token === 'string' && typeof r?.path === 'string',
          )
        : [];
    } catch {
      return [];
    }
  }

  /**
   * Atomic write (temp + rename), serialized so an older state never lands after a newer one. Saves
   * asked for while one is written become one more, of the state as it is when that one starts: a
   * burst of creates and removals costs two writes, not one per change (they were most of the daemon's
   * work per create with a socket mount).
   */
  private saveState(): Promise<void> {
    if (this.queuedSave) return this.queuedSave;
    const save = this.saving
      .then(async () => {
        this.queuedSave = null;
        const records = [...this.live.values()]
          .map((live) => live.record)
          .filter((record) => record.containerId);
        const file = path.join(this.options.dir, STATE_FILE);
        const temp = `${file}.${process.pid}.tmp`;
        try {
          await fs.writeFile(temp, `${JSON.stringify(records, null, 2)}\n`, { mode: 0o600 });
          await fs.rename(temp, file);
        } catch (error) {
          // The next change writes the whole state again.
          this.options.log.error(`filtered sockets: cannot save state: ${String(error)}`);
          return;
        }
        this.options.onChange?.();
      })
      // A listener that throws must not stop every later save, nor reject a caller's `void`.
      .catch((error: unknown) =>
        this.options.log.error(`filtered sockets: after saving state: ${String(error)}`),
      );
    this.queuedSave = save;
    this.saving = save;
    return save;
  }
}
