/** One challenge of a `WWW-Authenticate` header (RFC 9110 section 11.6.1). */
export interface AuthChallenge {
  /** The scheme as sent, e.g. `Basic`, `Bearer`. */
  readonly scheme: string;
  /** Parameters with lower-cased names, e.g. `{ realm: 'api', error: 'invalid_token' }`. */
  readonly params: Readonly<Record<string, string>>;
  /** The token68 form some schemes use instead of parameters (`Negotiate abc==`). */
  readonly token68?: string;
}

// Headers longer than this are cut: a server cannot make us spend unbounded time.
const MAX_HEADER_LENGTH = 8192;
const MAX_CHALLENGES = 16;
const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68_CHAR = /[A-Za-z0-9\-._~+/]/;

/**
 * Parses a `WWW-Authenticate` (or `Proxy-Authenticate`) value into its challenges.
 * Tolerant of garbage: what cannot be read is skipped. Never throws.
 *
 * @example
 * ```ts
 * parseWwwAuthenticate('Basic realm="Fake Realm", Bearer error="invalid_token"');
 * // [{ scheme: 'Basic', params: { realm: 'Fake Realm' } },
 * //  { scheme: 'Bearer', params: { error: 'invalid_token' } }]
 * ```
 */
export function parseWwwAuthenticate(value: string | undefined | null): AuthChallenge[] {
  if (typeof value !== 'string') return [];
  const input = value.length > MAX_HEADER_LENGTH ? value.slice(0, MAX_HEADER_LENGTH) : value;
  const challenges: AuthChallenge[] = [];
  let i = 0;
  const skip = (chars: string): void => {
    while (i < input.length && chars.includes(input.charAt(i))) i++;
  };
  const readWhile = (pattern: RegExp): string => {
    const start = i;
    while (i < input.length && pattern.test(input.charAt(i))) i++;
    return input.slice(start, i);
  };
  const readQuoted = (): string => {
    i++; // opening quote
    let out = '';
    while (i < input.length) {
      const c = input.charAt(i);
      if (c === '\\' && i + 1 < input.length) {
        out += input.charAt(i + 1);
        i += 2;
      } else if (c === '"') {
        i++;
        break;
      } else {
        out += c;
        i++;
      }
    }
    return out;
  };

  while (i < input.length && challenges.length < MAX_CHALLENGES) {
    skip(' \t,');
    if (i >= input.length) break;
    const scheme = readWhile(TOKEN_CHAR);
    if (scheme === '') {
      i++; // garbage: step over it
      continue;
    }
    const params: Record<string, string> = {};
    let token68: string | undefined;
    skip(' \t');
    // token68 (`Negotiate abc==`): token68 characters and '=' padding, then the end or a
    // comma. Anything else after the scheme is parameters (`name=value`).
    const start68 = i;
    const body68 = readWhile(TOKEN68_CHAR);
    skip('=');
    const end68 = i;
    skip(' \t');
    if (body68 !== '' && (i >= input.length || input.charAt(i) === ',')) {
      token68 = input.slice(start68, end68);
    } else {
      i = start68;
    }
    if (token68 === undefined) {
      for (;;) {
        skip(' \t');
        const paramStart = i;
        const name = readWhile(TOKEN_CHAR);
        if (name === '') break;
        skip(' \t');
        if (input.charAt(i) !== '=') {
          i = paramStart; // the next challenge's scheme
          break;
        }
        i++;
        skip(' \t');
        const paramValue = input.charAt(i) === '"' ? readQuoted() : readWhile(TOKEN_CHAR);
        // defineProperty: a parameter named "__proto__" must stay a parameter.
        Object.defineProperty(params, name.toLowerCase(), {
          value: paramValue,
          enumerable: true,
          writable: true,
          configurable: true,
        });
        skip(' \t');
        if (input.charAt(i) !== ',') break;
        i++;
        skip(' \t,');
      }
    }
    challenges.push(token68 === undefined ? { scheme, params } : { scheme, params, token68 });
  }
  return challenges;
}
