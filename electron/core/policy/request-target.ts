// How the Docker Engine will route a request-target, decided from the bytes received, so that the
// request we judge is the request the engine executes.
//
// The engine's path to a handler (moby v20.10.24 and master):
// - Go's net/http parses the target with url.ParseRequestURI: an absolute URL `http://h/p` is
//   routed on `/p`; otherwise everything before the first `?` is the path, `#` included (no
//   fragment on the wire), `%XX` decoded into URL.Path (`%2F` becomes a real `/`); bad escapes are
//   400. net/http itself never cleans or redirects paths (ServeMux does, and moby does not use it).
// - gorilla/mux (mux.NewRouter(): no SkipClean, no UseEncodedPath, no StrictSlash) matches the
//   *decoded* path; a path that path.Clean would change (`//`, `/./`, `/../`) gets a 301 instead.
//   Methods are matched byte for byte (`get` matches nothing). Backslashes are ordinary bytes.
// - Every route exists twice: `/v{version:[0-9.]+}<route>` and `<route>`. The version middleware
//   compares versions numerically piece by piece, so `1.041`, `01.41` and `1.41.0` all pass as 1.41.
//
// Rather than reproduce every corner, odd spellings are refused with 400: a real client never sends
// them, and a refused request cannot be routed differently from how it was judged.

export type RequestTarget =
  | {
      ok: true;
      method: string;
      /** The `/vX.Y` prefix's version, or null for an unversioned request. */
      apiVersion: string | null;
      /** Decoded path without the version prefix: what moby's routes are matched against. */
      path: string;
      /** The query as Go's url.ParseQuery reads it (first value of a repeated key wins in both). */
      query: URLSearchParams;
      /** The request-target exactly as received. */
      original: string;
    }
  | { ok: false; status: number; message: string };

/** The methods moby's routes use (OPTIONS only answers CORS preflights; nothing sends it). */
const routedMethods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE']);

// RFC 3986 pchar without `%`: what may appear raw in a path, and what an escape may decode to.
const PATH_CHAR = /^[A-Za-z0-9\-._~!$&'()*+,;=:@]$/;
// The version spellings the docker CLI and SDKs send: `1.41`, `1.5`, `1.0`.
const CANONICAL_VERSION = /^[1-9][0-9]*\.(?:0|[1-9][0-9]*)$/;
const VERSION_PREFIX = /^\/v([0-9.]+)(\/.*)?$/;

const refuse = (message: string): RequestTarget => ({ ok: false, status: 400, message });

export function parseRequestTarget(method: string, rawTarget: string): RequestTarget {
  if (!routedMethods.has(method)) {
    return refuse(`the method "${printable(method)}" is not one the Docker Engine API uses`);
  }
  if (!rawTarget.startsWith('/')) {
    return refuse('the request target must be a path starting with "/" (no absolute URL, no "*")');
  }
  for (const char of rawTarget) {
    const code = char.codePointAt(0) ?? 0;
    if (code <= 0x20 || code >= 0x7f)
      return refuse('the request target contains a control, space or non-ASCII character');
    if (char === '#') return refuse('the request target contains "#"');
    if (char === '\\') return refuse('the request target contains a backslash');
  }

  const questionMark = rawTarget.indexOf('?');
  const rawPath = questionMark === -1 ? rawTarget : rawTarget.slice(0, questionMark);
  const rawQuery = questionMark === -1 ? '' : rawTarget.slice(questionMark + 1);

  const decoded = decodePath(rawPath);
  if (!decoded.ok) return refuse(decoded.message);
  const path = decoded.path;

  const segments = path.split('/').slice(1);
  for (const [index, segment] of segments.entries()) {
    if (segment === '.' || segment === '..') return refuse('the path contains a "." or ".." segment');
    // A trailing slash is clean (gorilla keeps it); an empty segment anywhere else is `//`.
    if (segment === '' && index !== segments.length - 1)
      return refuse('the path contains an empty segment ("//")');
  }

  let apiVersion: string | null = null;
  let routePath = path;
  const versioned = VERSION_PREFIX.exec(path);
  if (versioned) {
    const version = versioned[1] ?? '';
    if (!CANONICAL_VERSION.test(version)) {
      return refuse(`the API version "${version}" is not written as <major>.<minor> (like 1.41)`);
    }
    if (versioned[2] === undefined) return refuse('the path has an API version and nothing after it');
    apiVersion = version;
    routePath = versioned[2];
    if (VERSION_PREFIX.test(routePath)) return refuse('the path has two API version prefixes');
  }

  const query = parseQuery(rawQuery);
  if (!query.ok) return refuse(query.message);

  return { ok: true, method, apiVersion, path: routePath, query: query.params, original: rawTarget };
}

function decodePath(rawPath: string): { ok: true; path: string } | { ok: false; message: string } {
  let path = '';
  for (let i = 0; i < rawPath.length; i++) {
    const char = rawPath[i] ?? '';
    if (char === '/') {
      path += char;
    } else if (char === '%') {
      const hex = rawPath.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex))
        return { ok: false, message: 'the path contains a malformed %-escape' };
      const decodedChar = String.fromCharCode(parseInt(hex, 16));
      // `%2F` is a separator to the engine but not to anyone reading the raw target; `%25`, `%3F`,
      // `%23`, `%5C` and bytes outside ASCII only ever appear in attempts to confuse a filter.
      if (!PATH_CHAR.test(decodedChar)) {
        return { ok: false, message: `the path contains the ambiguous escape "%${hex}"` };
      }
      path += decodedChar;
      i += 2;
    } else if (PATH_CHAR.test(char)) {
      path += char;
    } else {
      return {
        ok: false,
        message: `the path contains the character "${char}", which must not appear unescaped`,
      };
    }
  }
  return { ok: true, path };
}

function parseQuery(
  rawQuery: string,
): { ok: true; params: URLSearchParams } | { ok: false; message: string } {
  // Go ≥ 1.17 rejects `;` as a separator (the engine then answers 400), older Go split on it:
  // either way it cannot be read the same as URLSearchParams reads it.
  if (rawQuery.includes(';')) return { ok: false, message: 'the query contains ";"' };
  if (/%(?![0-9A-Fa-f]{2})/.test(rawQuery))
    return { ok: false, message: 'the query contains a malformed %-escape' };
  return { ok: true, params: new URLSearchParams(rawQuery) };
}

function printable(text: string): string {
  return text.replace(/[^\x21-\x7e]/g, '?').slice(0, 32);
}
