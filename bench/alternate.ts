// Interleaves the two sides so machine noise (other processes, page cache, thermal) hits both alike.
import type { Side } from './bench-row.js';

/**
 * Runs `measure` `rounds` times on each of `paths`, in their order on even rounds and reversed on odd
 * ones (A B C, C B A, ...), so every path's mean position is the same; returns each path's results in
 * the order measured.
 */
export async function alternateAmong<P extends string, T>(
  paths: readonly P[],
  rounds: number,
  measure: (path: P, round: number) => Promise<T>,
): Promise<Record<P, T[]>> {
  const results = Object.fromEntries(paths.map((path) => [path, [] as T[]])) as Record<P, T[]>;
  for (let round = 0; round < rounds; round++) {
    for (const path of round % 2 === 0 ? paths : [...paths].reverse())
      results[path].push(await measure(path, round));
  }
  return results;
}

/**
 * Runs `measure` `rounds` times per side in ABBA order (direct, proxy, proxy, direct, ...), so neither
 * side always goes first; returns each side's results in the order measured.
 */
export async function alternate<T>(
  rounds: number,
  measure: (side: Side, round: number) => Promise<T>,
): Promise<Record<Side, T[]>> {
  const results: Record<Side, T[]> = { direct: [], proxy: [] };
  for (let round = 0; round < rounds; round++) {
    const order: Side[] = round % 2 === 0 ? ['direct', 'proxy'] : ['proxy', 'direct'];
    for (const side of order) results[side].push(await measure(side, round));
  }
  return results;
}
