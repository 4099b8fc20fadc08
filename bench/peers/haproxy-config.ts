// The configuration of the HAProxy peer: what the popular socket proxy (the Tecnativa
// docker-socket-proxy image) runs, with its unix-socket ends. A frontend listens on a unix socket; each
// API section (`/containers`, `/images`, ...) is a path ACL allowed when it is switched on; anything
// else is denied, and so is every method but GET unless writes are on; a backend forwards to the
// engine's unix socket. The HTTP options and timeouts are that image's, `option http-server-close`
// included (a connection to the engine per request), so the bench compares Socket Warden with what
// people deploy rather than with a tuned HAProxy.

/** The sections that image can switch on, each one path prefix after the optional `/vX.Y`. */
export const API_SECTIONS = [
  'auth',
  'build',
  'commit',
  'configs',
  'containers',
  'distribution',
  'events',
  'exec',
  'grpc',
  'images',
  'info',
  'networks',
  'nodes',
  '_ping',
  'plugins',
  'secrets',
  'services',
  'session',
  'swarm',
  'system',
  'tasks',
  'version',
  'volumes',
] as const;

export type ApiSection = (typeof API_SECTIONS)[number];

export interface HaproxyConfigOptions {
  /** Where HAProxy listens (a unix socket path). */
  listen: string;
  /** The engine's unix socket. */
  engine: string;
  /** The sections allowed through; every other path is answered 403. */
  sections: readonly ApiSection[];
  /** Whether methods other than GET and HEAD pass (that image's POST=1). */
  writes: boolean;
}

/** HAProxy's quoting of a path in a config line: it is a word, so it may hold no blank. */
function word(value: string): string {
  if (/[\s"'#\\]/.test(value)) throw new Error(`a path HAProxy cannot take unquoted: ${value}`);
  return value;
}

export function haproxyConfig(options: HaproxyConfigOptions): string {
  const allowed = options.sections.map(
    (section) => `    http-request allow if { path,url_dec -m reg -i ^(/v[\\d\\.]+)?/${section} }`,
  );
  return [
    'global',
    '    maxconn 4000',
    '',
    'defaults',
    '    mode http',
    '    option http-server-close',
    '    option redispatch',
    '    retries 3',
    '    timeout http-request 10s',
    '    timeout queue 1m',
    '    timeout connect 10s',
    '    timeout client 10m',
    '    timeout server 10m',
    '    timeout http-keep-alive 10s',
    '    timeout check 10s',
    '    maxconn 3000',
    '',
    'backend dockerbackend',
    `    server dockersocket ${word(options.engine)}`,
    '',
    'frontend dockerfrontend',
    // mode 666: the bench runs as the stack's user; the directory around it is private.
    `    bind ${word(options.listen)} mode 666`,
    // That image's `deny unless METH_GET || { env(POST) -m bool }`; METH_GET is GET and HEAD.
    `    http-request deny unless METH_GET${options.writes ? ' || TRUE' : ''}`,
    ...allowed,
    '    http-request deny',
    '    default_backend dockerbackend',
    '',
  ].join('\n');
}
