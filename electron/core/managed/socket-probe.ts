// Who answers a socket, and whether a given user may connect to it: the outcome checks of install,
// uninstall and status.
import { spawn } from 'node:child_process';
import net from 'node:net';

export type SocketIdentity =
  { kind: 'socket-warden' } | { kind: 'other'; answer: string } | { kind: 'unreachable'; error: string };

/**
 * Sends an HTTP/1.1 request without a Host header, which both refuse, each in its own words: Socket
 * Warden with `{"message":"socket-warden: malformed request: …"}`, dockerd (Go's net/http) with
 * "400 Bad Request: missing required Host header". Nothing is forwarded to the engine either way.
 * Connecting may start socket-warden.service (socket activation), hence the generous timeout.
 */
export function identifySocket(socketPath: string, timeoutMs = 15_000): Promise<SocketIdentity> {
  return new Promise((resolve) => {
    let answer = '';
    let settled = false;
    const done = (identity: SocketIdentity): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(identity);
    };
    const judge = (): void =>
      done(
        answer.includes('socket-warden:')
          ? { kind: 'socket-warden' }
          : answer
            ? { kind: 'other', answer: answer.split('\r\n')[0] ?? answer }
            : { kind: 'unreachable', error: 'closed without an answer' },
      );
    const socket = net.connect(socketPath);
    const timer = setTimeout(
      () => (answer ? judge() : done({ kind: 'unreachable', error: `no answer within ${timeoutMs} ms` })),
      timeoutMs,
    );
    socket.on('connect', () =>
      socket.write('GET /_ping HTTP/1.1\r\nUser-Agent: socket-warden-probe\r\n\r\n'),
    );
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
      if (answer.length > 4096 || answer.includes('socket-warden:')) judge();
    });
    socket.on('end', judge);
    socket.on('error', (error: NodeJS.ErrnoException) =>
      answer ? judge() : done({ kind: 'unreachable', error: error.code ?? error.message }),
    );
  });
}

export type ConnectOutcome =
  | { kind: 'connected' }
  /** The connect failed with this errno code (EACCES: the socket's or its directory's permissions). */
  | { kind: 'denied'; code: string }
  /** The probe itself could not run: nothing is known. */
  | { kind: 'probe-failed'; error: string };

/**
 * Connects to a socket as uid:gid (no supplementary groups: Node drops them with the uid), in a child
 * process: how a member of that group fares.
 */
export function connectAs(
  socketPath: string,
  uid: number,
  gid: number,
  timeoutMs = 10_000,
): Promise<ConnectOutcome> {
  const script =
    "const s = require('node:net').connect(process.argv[1]);" +
    "s.on('connect', () => { process.stdout.write('connected'); s.destroy(); });" +
    "s.on('error', (e) => process.stdout.write(e.code || e.message));";
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', script, socketPath], {
      uid,
      gid,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', (error) => resolve({ kind: 'probe-failed', error: error.message }));
    child.on('close', () => {
      if (out === 'connected') resolve({ kind: 'connected' });
      else if (/^E[A-Z]+$/.test(out)) resolve({ kind: 'denied', code: out });
      else
        resolve({
          kind: 'probe-failed',
          error: out || err.trim().split('\n')[0] || 'the probe said nothing',
        });
    });
  });
}
