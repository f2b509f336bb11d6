/** What replaces a secret, as OpenTelemetry's semantic conventions write it. */
export const REDACTED = 'REDACTED';

/** Header names whose values never leave the process (lower case). */
export const DEFAULT_REDACTED_HEADERS: readonly string[] = Object.freeze([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'api-key',
  'x-auth-token',
  'x-access-token',
  'x-amz-security-token',
  'x-goog-api-key',
  'x-csrf-token',
  'x-xsrf-token',
]);

/**
 * Query parameters whose values never leave the process, matched in any case: the
 * OpenTelemetry list, the signed-URL families (AWS SigV4 and its v2 `Signature` /
 * `AWSAccessKeyId`, GCS `X-Goog-*`, Azure SAS `sig`), OAuth's `code`, and more.
 */
export const DEFAULT_REDACTED_QUERY: readonly string[] = Object.freeze([
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'key',
  'api_key',
  'apikey',
  'secret',
  'client_secret',
  'signature',
  'sig',
  'password',
  'passwd',
  'pwd',
  'session',
  'sessionid',
  'code',
  'auth',
  'authorization',
  'jwt',
  'x-amz-signature',
  'x-amz-credential',
  'x-amz-security-token',
  'awsaccesskeyid',
  'x-goog-signature',
  'x-goog-credential',
]);

// Names that look secret even when not listed: api-key, x_session_id, my-token…
const SECRET_LOOKING_HEADER = /(auth|token|secret|passw|api[-_]?key|session|signature|credential|cookie)/i;
const SECRET_LOOKING_QUERY = /(token|secret|passw|api[-_]?key|session|signature|credential|(^|[-_])key$|^sig$)/i;

// Free text: cheap test first, then userinfo after a scheme, `name=value` pairs, and
// Authorization schemes followed by their credentials.
const TEXT_HINT = /[=@]|bearer|basic/i;
const TEXT_USERINFO = /([a-z][a-z0-9+.-]*:\/\/)([^\s/?#"'<>]+)@/gi;
// A value ends at `&`, `#`, a quote or a space; a `,` or `;` ends it only before a space.
const TEXT_PAIR = /(^|[?&#;,\s"'(<[{])([^=&#?\s"'<>;,(){}[\]]+)=((?:[^&#\s"'<>,;]|[,;](?!\s|$))*)/g;
const TEXT_CREDENTIALS = /\b(bearer|basic)(\s+)([A-Za-z0-9\-._~+/]{6,}=*)/gi;
// A single URL that does not parse: from the start (or after the scheme) to its last `@`.
const UNPARSABLE_USERINFO = /^((?:[a-z][a-z0-9+.-]*:)?\/\/)?[^\s/?#]+@/i;
const UNPARSABLE_QUERY = /([?&][^=&#]*=)[^&#]*/g;
// Names asked about are few (a client's query names, Sentry's fields): remember the answers.
const MAX_REMEMBERED_NAMES = 1000;

/**
 * One redactor, in front of every signal and every error faultline produces: log lines,
 * spans, metrics, Sentry events and the breadcrumbs Sentry records itself, redirects, and
 * the messages of errors it writes or relays.
 */
export interface Redactor {
  /** The URL with userinfo and secret-looking query (and fragment) values replaced by `REDACTED`. */
  url(url: string | URL): string;
  /** A query string (`a=1&sig=x`, with or without its `?`) with secret values replaced. */
  query(query: string): string;
  /**
   * Free text (an error message, a span name, a breadcrumb field) with every URL's
   * userinfo, every secret `name=value` pair and every Bearer/Basic credential replaced.
   */
  text(text: string): string;
  /** True when a header's value must never leave the process (nor follow a redirect to another origin). */
  isSecretHeader(name: string): boolean;
  /** True when a query parameter's value must never leave the process. */
  isSecretQuery(name: string): boolean;
  /** A copy of the headers with secret values replaced. */
  headers(headers: Readonly<Record<string, string | readonly string[] | undefined>>): Record<string, string>;
  /**
   * The text as {@link Redactor.text} leaves it, and each of `secrets` (values seen on
   * the request) replaced wherever it appears.
   * @default secrets []
   */
  scrub(text: string, secrets?: readonly string[]): string;
  /** The same for two redactors built with the same extra names: they redact alike. */
  readonly key: string;
}

/** Extra names to redact, on top of the defaults. */
export interface RedactorOptions {
  readonly headers?: readonly string[];
  readonly query?: readonly string[];
}

/**
 * Builds the redactor. Extra names are added to the defaults, never replace them. Names
 * are matched in any case; the sets are built here, once per client.
 *
 * @example
 * ```ts
 * const redactor = createRedactor({ query: ['tenant_secret_id'] });
 * redactor.url('https://u:p@api.test/x?token=abc&page=2');
 * // 'https://REDACTED:REDACTED@api.test/x?token=REDACTED&page=2'
 * ```
 */
export function createRedactor(options: RedactorOptions = {}): Redactor {
  const extraHeaders = (options.headers ?? []).map(lower);
  const extraQuery = (options.query ?? []).map(lower);
  const secretHeaders = new Set([...DEFAULT_REDACTED_HEADERS, ...extraHeaders]);
  const secretQuery = new Set([...DEFAULT_REDACTED_QUERY, ...extraQuery]);
  const headerAnswers = new Map<string, boolean>();
  const queryAnswers = new Map<string, boolean>();

  const isSecretHeader = (name: string): boolean =>
    remembered(headerAnswers, name, (n) => secretHeaders.has(n) || SECRET_LOOKING_HEADER.test(n));
  const isSecretQuery = (name: string): boolean =>
    remembered(queryAnswers, name, (n) => secretQuery.has(n) || SECRET_LOOKING_QUERY.test(n));

  /** `a=1&b=2` with secret values replaced; the same string when there is nothing to hide. */
  const pairs = (text: string): string => {
    if (!text.includes('=')) return text;
    const parts = text.split('&');
    let changed = false;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] ?? '';
      const eq = part.indexOf('=');
      if (eq === -1) continue;
      const rawName = part.slice(0, eq);
      // Rebuilt by hand: URLSearchParams would re-encode every other parameter.
      if (isSecretQuery(decodedName(rawName)) && part.slice(eq + 1) !== REDACTED) {
        parts[i] = `${rawName}=${REDACTED}`;
        changed = true;
      }
    }
    return changed ? parts.join('&') : text;
  };

  const url = (input: string | URL): string => {
    const text = typeof input === 'string' ? input : input.href;
    // Fast path: nothing to hide without userinfo, a query or a fragment.
    if (!text.includes('@') && !text.includes('?') && !text.includes('#')) return text;
    let parsed: URL;
    try {
      parsed = new URL(text);
    } catch {
      return unparsable(text);
    }
    // `user:pass@host` parses as scheme `user:` and an opaque path: read it as the userinfo it is.
    if (parsed.host === '' && parsed.pathname.includes('@')) return unparsable(text);
    if (parsed.username !== '' || parsed.password !== '') {
      parsed.username = REDACTED;
      if (parsed.password !== '') parsed.password = REDACTED;
    }
    if (parsed.search !== '') {
      const search = pairs(parsed.search.slice(1));
      if (search !== parsed.search.slice(1)) parsed.search = `?${search}`;
    }
    // OAuth's implicit flow returns its tokens in the fragment.
    if (parsed.hash.includes('=')) {
      const hash = pairs(parsed.hash.slice(1));
      if (hash !== parsed.hash.slice(1)) parsed.hash = `#${hash}`;
    }
    return parsed.href;
  };

  const text = (input: string): string => {
    if (!TEXT_HINT.test(input)) return input;
    return (
      input
        .replace(TEXT_USERINFO, (_, scheme: string, userinfo: string) =>
          userinfo.includes(':') ? `${scheme}${REDACTED}:${REDACTED}@` : `${scheme}${REDACTED}@`,
        )
        .replace(TEXT_PAIR, (pair: string, before: string, name: string, value: string) =>
          value === '' || value === REDACTED || !isSecretQuery(decodedName(name))
            ? pair
            : `${before}${name}=${REDACTED}`,
        )
        // A credential is not all lower-case letters: "a basic mistake" stays.
        .replace(TEXT_CREDENTIALS, (match: string, scheme: string, space: string, credential: string) =>
          /[^a-z]/.test(credential) && credential !== REDACTED ? `${scheme}${space}${REDACTED}` : match,
        )
    );
  };

  return {
    url,
    query: (query) => (query.startsWith('?') ? `?${pairs(query.slice(1))}` : pairs(query)),
    text,
    isSecretHeader,
    isSecretQuery,
    headers(headers) {
      const out: Record<string, string> = {};
      for (const [name, value] of Object.entries(headers)) {
        if (value === undefined) continue;
        out[name] = isSecretHeader(name) ? REDACTED : Array.isArray(value) ? value.join(', ') : String(value);
      }
      return out;
    },
    scrub(input, secrets = []) {
      let out = input;
      for (const secret of secrets) {
        // Very short values would blank out ordinary words; they are not secrets anyone relies on.
        if (secret.length >= 4 && out.includes(secret)) out = out.split(secret).join(REDACTED);
      }
      return text(out);
    },
    key: `${[...new Set(extraHeaders)].sort().join(',')}\u0000${[...new Set(extraQuery)].sort().join(',')}`,
  };
}

let defaultRedactor: Redactor | undefined;

/** The redactor with the default names only, for text made outside any client (a ConfigError). */
export function defaultRedactorOf(): Redactor {
  return (defaultRedactor ??= createRedactor());
}

/** A URL that does not parse still loses its userinfo and every query value. */
function unparsable(text: string): string {
  return text.replace(UNPARSABLE_USERINFO, `$1${REDACTED}@`).replace(UNPARSABLE_QUERY, `$1${REDACTED}`);
}

function lower(name: string): string {
  return name.trim().toLowerCase();
}

function remembered(answers: Map<string, boolean>, name: string, decide: (lowered: string) => boolean): boolean {
  let answer = answers.get(name);
  if (answer === undefined) {
    answer = decide(name.toLowerCase());
    if (answers.size >= MAX_REMEMBERED_NAMES) answers.clear();
    answers.set(name, answer);
  }
  return answer;
}

/** A query name as the server reads it; kept raw when it is not valid percent-encoding. */
function decodedName(raw: string): string {
  if (!raw.includes('%') && !raw.includes('+')) return raw;
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}
