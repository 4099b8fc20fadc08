// How many descriptors a process holds, from /proc/<pid>/fd: what a flood of connections would exhaust.
import { readdirSync } from 'node:fs';

export function countFds(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return Number.NaN;
  }
}
