// Parses a WWW-Authenticate header (RFC 7235) into challenges: registries answer 401 with
// `Bearer realm="...",service="...",scope="..."` (token auth) or `Basic realm="..."`. Pure.

export interface AuthChallenge {
  /** Lowercased: 'bearer', 'basic', ... */
  scheme: string;
  /** Parameter names lowercased; values unquoted. */
  params: Record<string, string>;
}

const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

export function parseWwwAuthenticate(header: string): AuthChallenge[] {
  const challenges: AuthChallenge[] = [];
  let i = 0;
  const skip = (chars: string): void => {
    while (i < header.length && chars.includes(header[i] ?? '')) i++;
  };
  const token = (): string => {
    const start = i;
    while (i < header.length && TOKEN_CHAR.test(header[i] ?? '')) i++;
    return header.slice(start, i);
  };
  const quoted = (): string => {
    i++; // opening quote
    let value = '';
    while (i < header.length && header[i] !== '"') {
      if (header[i] === '\\' && i + 1 < header.length) i++;
      value += header[i];
      i++;
    }
    i++; // closing quote
    return value;
  };

  while (i < header.length) {
    skip(' \t,');
    const scheme = token();
    if (scheme === '') {
      i++; // not a token character: skip it rather than loop forever
      continue;
    }
    const challenge: AuthChallenge = { scheme: scheme.toLowerCase(), params: {} };
    challenges.push(challenge);
    // auth-params until the next challenge (a token not followed by '=').
    for (;;) {
      skip(' \t,');
      const mark = i;
      const name = token();
      skip(' \t');
      if (name === '' || header[i] !== '=') {
        i = mark;
        break;
      }
      i++;
      skip(' \t');
      const value = header[i] === '"' ? quoted() : token68();
      challenge.params[name.toLowerCase()] = value;
    }
  }
  return challenges;

  function token68(): string {
    const start = i;
    while (i < header.length && header[i] !== ',' && header[i] !== ' ' && header[i] !== '\t') i++;
    return header.slice(start, i);
  }
}
