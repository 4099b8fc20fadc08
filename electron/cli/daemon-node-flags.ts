// The Node (V8) flags every launcher of the daemon starts it with: bin/socket-warden.js's shebang, the
// daemon package's /usr/bin/socket-warden, the app package's socket-warden-cli and desktop entry,
// `npm start`, and the bench (so it measures the daemon as users run it). V8 reads them only when the
// process starts, so they cannot be set from inside.
//
// The young generation capped at 8 MiB per semi-space (Node's default on 64-bit: 16). Under a sustained
// request load V8 grows it to its cap and keeps it while the daemon idles: after 64 clients' load, the
// daemon stayed at ~98 MB RSS with 16 (the bench's memory target is < 100 MB), ~86 MB with 8, at the same
// request rate. 4 was tried and rejected: create bodies of 20,000 JSON values were promoted to the old
// generation early (RSS growth 130 MB instead of 44, /_ping p99 81 ms).
export const DAEMON_NODE_FLAGS = ['--max-semi-space-size=8'] as const;
