// Just enough of systemd's unit file format to know, from the files alone, what a socket unit listens on
// and what a service runs: `--root` mode has no systemd to ask, and `status` compares what the files say
// with what systemd reports. Pure.

export interface UnitEntry {
  section: string;
  key: string;
  value: string;
}

/** Sections, `Key=Value` lines, `#`/`;` comments, and lines continued with a trailing backslash. */
export function parseUnitFile(text: string): UnitEntry[] {
  const entries: UnitEntry[] = [];
  let section = '';
  let pending: string | null = null;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (pending !== null) {
      // Comment lines inside a continued value are skipped, as systemd does.
      if (line.startsWith('#') || line.startsWith(';')) continue;
      if (line.endsWith('\\')) {
        pending += ' ' + line.slice(0, -1).trim();
        continue;
      }
      pending += ' ' + line;
      push(pending);
      pending = null;
      continue;
    }
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    if (line.startsWith('[') && line.endsWith(']')) {
      section = line.slice(1, -1);
      continue;
    }
    if (line.endsWith('\\')) {
      pending = line.slice(0, -1).trimEnd();
      continue;
    }
    push(line);
  }
  if (pending !== null) push(pending);
  return entries;

  function push(line: string): void {
    const eq = line.indexOf('=');
    if (eq <= 0) return;
    entries.push({ section, key: line.slice(0, eq).trim(), value: line.slice(eq + 1).trim() });
  }
}

/** The specifiers a system unit's paths use here: %t is the runtime directory, %% a percent sign. */
export function resolveSpecifiers(value: string): string {
  return value.replace(/%([t%])/g, (_m, c: string) => (c === 't' ? '/run' : '%'));
}

const LISTEN_KEYS = new Set([
  'ListenStream',
  'ListenDatagram',
  'ListenSequentialPacket',
  'ListenFIFO',
  'ListenSpecial',
  'ListenNetlink',
  'ListenMessageQueue',
  'ListenUSBFunction',
]);

/**
 * What a socket unit listens on, given its fragment and then its drop-ins in order: each Listen*= adds an
 * address, and an empty one drops every address set before it (of every kind, as systemd does).
 */
export function effectiveListen(texts: readonly string[]): string[] {
  let listen: string[] = [];
  for (const text of texts) {
    for (const entry of parseUnitFile(text)) {
      if (entry.section !== 'Socket' || !LISTEN_KEYS.has(entry.key)) continue;
      if (entry.value === '') listen = [];
      else listen.push(resolveSpecifiers(entry.value));
    }
  }
  return listen;
}

/** A service's ExecStart= as argv (the last one after any reset), or null when there is none. */
export function effectiveExecStart(texts: readonly string[]): string[] | null {
  let exec: string | null = null;
  for (const text of texts) {
    for (const entry of parseUnitFile(text)) {
      if (entry.section === 'Service' && entry.key === 'ExecStart')
        exec = entry.value === '' ? null : entry.value;
    }
  }
  if (exec === null) return null;
  const argv = splitCommandLine(exec);
  // The prefixes that change how systemd runs it, not what it runs.
  if (argv[0]) argv[0] = argv[0].replace(/^[-@:+!]+/, '');
  return argv;
}

/** Words as systemd splits a command line: whitespace, '…' and "…" quotes, backslash escapes. */
export function splitCommandLine(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '\\' && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (quote) {
      if (c === quote) quote = null;
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/**
 * The drop-ins systemd applies to a unit, from the `<unit>.d/` listings of each directory of the search
 * path (highest priority first): one file per name, the highest directory's, ordered by name.
 */
export function orderDropIns(listings: readonly { dir: string; files: readonly string[] }[]): string[] {
  const byName = new Map<string, string>();
  for (const { dir, files } of listings) {
    for (const file of files) {
      if (file.endsWith('.conf') && !byName.has(file)) byName.set(file, `${dir}/${file}`);
    }
  }
  return [...byName.keys()].sort().map((name) => byName.get(name) as string);
}
