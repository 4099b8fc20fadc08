// The proxy's memory as the kernel sees it: VmRSS now and VmHWM (peak RSS since start), sampled from
// /proc/<pid>/status while the big transfers run.
import { readFileSync } from 'node:fs';

export interface ProcMemory {
  rssKb: number;
  hwmKb: number;
}

export function parseProcStatus(text: string): ProcMemory | null {
  const field = (name: string): number | null => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
    return match?.[1] ? Number(match[1]) : null;
  };
  const rssKb = field('VmRSS');
  const hwmKb = field('VmHWM');
  return rssKb === null || hwmKb === null ? null : { rssKb, hwmKb };
}

export function readProcMemory(pid: number): ProcMemory | null {
  try {
    return parseProcStatus(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return null;
  }
}

export interface RssSampler {
  /** Stops sampling; returns the highest VmRSS seen and the last VmHWM read. */
  stop(): ProcMemory;
}

export function sampleRss(pid: number, intervalMs = 50): RssSampler {
  let peak: ProcMemory = readProcMemory(pid) ?? { rssKb: 0, hwmKb: 0 };
  const take = (): void => {
    const now = readProcMemory(pid);
    if (now) peak = { rssKb: Math.max(peak.rssKb, now.rssKb), hwmKb: now.hwmKb };
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
