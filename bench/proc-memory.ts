// The proxy's memory as the kernel sees it: VmRSS now, VmHWM (peak RSS since start) and RssAnon (the
// part that is not node's own mapped binary: heap and buffers), sampled from /proc/<pid>/status while the
// big transfers run.
import { readFileSync } from 'node:fs';

export interface ProcMemory {
  rssKb: number;
  hwmKb: number;
  anonKb: number;
}

export function parseProcStatus(text: string): ProcMemory | null {
  const field = (name: string): number | null => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
    return match?.[1] ? Number(match[1]) : null;
  };
  const rssKb = field('VmRSS');
  const hwmKb = field('VmHWM');
  const anonKb = field('RssAnon');
  return rssKb === null || hwmKb === null || anonKb === null ? null : { rssKb, hwmKb, anonKb };
}

export function readProcMemory(pid: number): ProcMemory | null {
  try {
    return parseProcStatus(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return null;
  }
}

export interface RssSampler {
  /** Stops sampling; returns the highest VmRSS and RssAnon seen and the last VmHWM read. */
  stop(): ProcMemory;
}

export function sampleRss(pid: number, intervalMs = 50): RssSampler {
  let peak: ProcMemory = readProcMemory(pid) ?? { rssKb: 0, hwmKb: 0, anonKb: 0 };
  const take = (): void => {
    const now = readProcMemory(pid);
    if (now) peak = higher(peak, now);
  };
  const timer = setInterval(take, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return peak;
    },
  };
}

/** The higher RSS figures of two readings; VmHWM from the later one (it only grows). */
export function higher(earlier: ProcMemory, later: ProcMemory): ProcMemory {
  return {
    rssKb: Math.max(earlier.rssKb, later.rssKb),
    hwmKb: later.hwmKb,
    anonKb: Math.max(earlier.anonKb, later.anonKb),
  };
}
