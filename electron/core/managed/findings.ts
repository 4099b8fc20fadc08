// A check's outcome, as preflight and status report them.
export type Level = 'ok' | 'info' | 'warn' | 'error';

export interface Finding {
  level: Level;
  /** A short, stable name of what was checked (for --json and the tests). */
  check: string;
  message: string;
}

export const hasErrors = (findings: readonly Finding[]): boolean => findings.some((f) => f.level === 'error');

const MARK: Record<Level, string> = { ok: 'ok   ', info: 'info ', warn: 'WARN ', error: 'ERROR' };

export function formatFindings(findings: readonly Finding[]): string {
  return findings.map((f) => `  ${MARK[f.level]} ${f.check}: ${f.message}`).join('\n');
}
