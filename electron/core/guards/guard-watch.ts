// Keeps the guard list current: discovered at start, again every minute and whenever the engine
// comes back (its flags or data-root may have changed), and the link count of every guarded socket
// checked before each judgement. A socket with more names than Socket Warden knows (a hard link
// made since: `ln /run/docker.sock /home/u/x`) is searched for on its filesystem; until every link
// is found, directory binds on that filesystem are refused (engine-routes.ts).
import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import type { Log } from '../log.js';
import type { RouteContext } from '../reach/engine-routes.js';
import { discoverGuards, type GuardSources } from './guard-discovery.js';
import type { Guard } from './guard.js';
import { parseMountInfo } from './mount-aliases.js';

export interface GuardWatchOptions {
  sources: () => Promise<GuardSources>;
  log: Log;
  /** Rediscovery interval (default a minute). */
  intervalMs?: number;
  engine?: RouteContext['engine'];
}

/** Link counts are re-read at most this often (each judgement with a host path asks). */
const LINK_CHECK_MS = 250;
const FIND_TIMEOUT_MS = 120_000;

/** Linux's dev_t encoding (glibc gnu_dev_major/minor), as /proc/self/mountinfo prints it. */
export function deviceNumbers(dev: number): string {
  const d = BigInt(dev);
  const major = ((d >> 8n) & 0xfffn) | ((d >> 32n) & ~0xfffn);
  const minor = (d & 0xffn) | ((d >> 12n) & 0xffffff00n);
  return `${major}:${minor}`;
}

export class GuardWatch {
  /** What discovery found; the hard links located since are added to it in list(). */
  private discovered: Guard[] = [];
  private readonly links = new Map<string, { guard: Guard; count: number; dev: number; found: string[] }>();
  private linksCheckedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private searching = new Set<string>();
  private closed = false;

  constructor(private readonly options: GuardWatchOptions) {}

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.options.intervalMs ?? 60_000);
    this.timer.unref();
  }

  stop(): void {
    this.closed = true;
    clearInterval(this.timer);
  }

  list(): readonly Guard[] {
    return [...this.discovered, ...this.linkGuards()];
  }

  async refresh(): Promise<void> {
    try {
      this.discovered = await discoverGuards(await this.options.sources());
    } catch (error) {
      // Keep the last list: a failed rediscovery must not open anything.
      this.options.log.error(`guards: cannot rediscover guarded paths: ${String(error)}`);
    }
  }

  /** The guards and unlocated links, with link counts at most LINK_CHECK_MS old. */
  async context(): Promise<RouteContext> {
    if (Date.now() - this.linksCheckedAt > LINK_CHECK_MS) await this.checkLinks();
    const unlocatedLinks = [...this.links.values()]
      .filter((l) => l.found.length < l.count)
      .map((l) => ({ dev: l.dev, guard: l.guard, count: l.count - l.found.length }));
    return {
      guards: this.list(),
      unlocatedLinks,
      ...(this.options.engine ? { engine: this.options.engine } : {}),
    };
  }

  private linkGuards(): Guard[] {
    return [...this.links.values()].flatMap((l) =>
      l.found.map((path) => ({ ...l.guard, path, what: `${l.guard.what} (a hard link of ${l.guard.path})` })),
    );
  }

  private async checkLinks(): Promise<void> {
    this.linksCheckedAt = Date.now();
    const sockets = this.discovered.filter((g) => g.socket && g.identity);
    const seen = new Set<string>();
    await Promise.all(
      sockets.map(async (guard) => {
        const id = guard.identity;
        if (!id) return;
        const key = `${id.dev}:${id.ino}`;
        if (seen.has(key)) return;
        seen.add(key);
        const now = await stat(guard.path).catch(() => undefined);
        if (!now || now.ino !== id.ino) return;
        const extra = now.nlink - 1;
        const known = this.links.get(key);
        if (extra <= 0) {
          if (known) this.links.delete(key);
          return;
        }
        if (!known || known.count !== extra) {
          this.links.set(key, { guard, count: extra, dev: id.dev, found: [] });
          void this.locate(key);
        }
      }),
    );
  }

  /** Finds the other names of a linked socket with find(1) on its filesystem, in the background. */
  private async locate(key: string): Promise<void> {
    const link = this.links.get(key);
    if (!link || this.searching.has(key) || this.closed) return;
    this.searching.add(key);
    try {
      const table = parseMountInfo(await readFile('/proc/self/mountinfo', 'utf8'));
      const device = deviceNumbers(link.dev);
      const roots = table.filter((m) => m.device === device).map((m) => m.mountPoint);
      const found = new Set<string>();
      for (const root of roots.slice(0, 8)) {
        for (const path of await findInode(root, link.guard.identity?.ino ?? 0)) found.add(path);
      }
      found.delete(link.guard.path);
      const current = this.links.get(key);
      if (current === link) {
        link.found = [...found];
        this.options.log.warn(
          `guards: ${link.guard.what} ${link.guard.path} has ${link.count} other name(s): ${link.found.join(', ') || 'none found yet'}`,
        );
      }
    } catch (error) {
      this.options.log.error(`guards: cannot search for hard links: ${String(error)}`);
    } finally {
      this.searching.delete(key);
    }
  }
}

function findInode(root: string, ino: number): Promise<string[]> {
  return new Promise((resolve) => {
    execFile(
      'find',
      [root, '-xdev', '-inum', String(ino)],
      { timeout: FIND_TIMEOUT_MS, maxBuffer: 1024 * 1024 },
      (_error, stdout) => resolve(stdout.split('\n').filter((line) => line.startsWith('/'))),
    );
  });
}
