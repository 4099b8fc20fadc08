// Renders the rows as an aligned text table with a verdict per row, and a one-line summary.
import type { BenchRow, PeerName, Target } from './bench-row.js';

const PEERS: readonly PeerName[] = ['haproxy', 'socat'];

export type Verdict = 'pass' | 'MISS' | '-';

export function ratioOf(row: BenchRow): number | null {
  return row.direct === null || row.direct === 0 ? null : row.proxy / row.direct;
}

function targetVerdict(row: BenchRow): Verdict {
  const { target } = row;
  switch (target.kind) {
    case 'ratio-at-least': {
      const ratio = ratioOf(row);
      return ratio !== null && ratio >= target.min ? 'pass' : 'MISS';
    }
    case 'added-at-most':
      return row.direct !== null && row.proxy - row.direct <= target.max ? 'pass' : 'MISS';
    case 'below':
      return row.proxy < target.max ? 'pass' : 'MISS';
    case 'none':
      return '-';
  }
}

/** Whether Socket Warden did better than `peer` on this row; null when the peer was not measured. */
export function aheadOf(row: BenchRow, peer: PeerName): boolean | null {
  const value = row.peers?.[peer];
  if (value === undefined || !Number.isFinite(value)) return null;
  return row.unit === 'ms' ? row.proxy < value : row.proxy > value;
}

export function verdictOf(row: BenchRow): Verdict {
  const verdicts = [targetVerdict(row), ...(row.ahead ?? []).map((peer) => aheadOf(row, peer))];
  if (verdicts.some((verdict) => verdict === 'MISS' || verdict === false)) return 'MISS';
  return verdicts.some((verdict) => verdict === 'pass' || verdict === true) ? 'pass' : '-';
}

function describeTarget(row: BenchRow): string {
  const ahead = (row.ahead ?? []).map((peer) => `ahead of ${peer}`);
  return [describeBound(row.target, row.unit), ...ahead].filter((text) => text !== '').join(', ');
}

function describeBound(target: Target, unit: string): string {
  switch (target.kind) {
    case 'ratio-at-least':
      return `>= ${Math.round(target.min * 100)} %`;
    case 'added-at-most':
      return `<= +${target.max} ${unit}`;
    case 'below':
      return `< ${target.max} ${unit}`;
    case 'none':
      return '';
  }
}

/** Enough digits to read small latencies, none for large rates. */
export function formatValue(value: number, unit: string): string {
  if (!Number.isFinite(value)) return 'n/a';
  const abs = Math.abs(value);
  const digits = abs >= 1000 ? 0 : abs >= 100 ? 1 : abs >= 1 ? 2 : 3;
  return `${value.toFixed(digits)} ${unit}`;
}

/** `value` against direct: latencies as a factor and what was added, rates and sizes as a percentage. */
function formatAgainstDirect(row: BenchRow, value: number): string {
  if (row.direct === null || row.direct === 0) return '';
  const ratio = value / row.direct;
  if (row.unit === 'ms') {
    const added = value - row.direct;
    return `${ratio.toFixed(2)}x (${added >= 0 ? '+' : ''}${formatValue(added, row.unit)})`;
  }
  return `${(ratio * 100).toFixed(1)} %`;
}

function formatRatio(row: BenchRow): string {
  return formatAgainstDirect(row, row.proxy);
}

/** A peer's cell: its value against direct (latencies: what it added), or nothing when not measured. */
function formatPeer(row: BenchRow, peer: PeerName): string {
  const value = row.peers?.[peer];
  if (value === undefined) return '';
  if (!Number.isFinite(value)) return 'n/a';
  if (row.unit === 'ms' && row.direct !== null) {
    const added = value - row.direct;
    return `${formatValue(value, row.unit)} (${added >= 0 ? '+' : ''}${formatValue(added, row.unit)})`;
  }
  return `${formatValue(value, row.unit)} (${formatAgainstDirect(row, value)})`;
}

export function formatTable(rows: readonly BenchRow[]): string {
  // Peer columns only when some row measured that peer.
  const peers = PEERS.filter((peer) => rows.some((row) => row.peers?.[peer] !== undefined));
  const header = ['metric', 'direct', 'socket-warden', 'ratio', ...peers, 'target', 'result'];
  const body = rows.map((row) => [
    row.metric,
    row.direct === null ? '' : formatValue(row.direct, row.unit),
    formatValue(row.proxy, row.unit),
    formatRatio(row),
    ...peers.map((peer) => formatPeer(row, peer)),
    describeTarget(row),
    verdictOf(row) === 'MISS' ? '** MISS **' : verdictOf(row),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...body.map((cells) => (cells[column] ?? '').length)),
  );
  // Text columns left-aligned, numbers right-aligned.
  const numeric = [false, true, true, true, ...peers.map(() => true), false, false];
  const line = (cells: string[]): string =>
    cells
      .map((cell, column) =>
        numeric[column] ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0),
      )
      .join(' | ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('-+-');
  return [line(header), rule, ...body.map(line)].join('\n');
}

export function summarize(rows: readonly BenchRow[]): string {
  const judged = rows.filter((row) => verdictOf(row) !== '-');
  const missed = judged.filter((row) => verdictOf(row) === 'MISS');
  if (missed.length === 0) return `All ${judged.length} targets met.`;
  return `${missed.length} of ${judged.length} targets MISSED: ${missed.map((row) => row.metric).join('; ')}.`;
}
