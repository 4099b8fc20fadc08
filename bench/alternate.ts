// Interleaves the two sides so machine noise (other processes, page cache, thermal) hits both alike.
import type { Side } from './bench-row.js';

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
