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

/** Query parameters whose values never leave the process, as OpenTelemetry lists them and more. */
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

/** One redactor, in front of every signal and every error faultline produces. */
export interface Redactor {
  /** The URL with userinfo and secret-looking query values replaced by `REDACTED`. */
  url(url: string | URL): string;
  /** True when a header's value must never leave the process. */
  isSecretHeader(name: string): boolean;
  /** True when a query parameter's value must never leave the process. */
  isSecretQuery(name: string): boolean;
  /** A copy of the headers with secret values replaced. */
  headers(headers: Readonly<Record<string, string | readonly string[] | undefined>>): Record<string, string>;
  /** The text with each of `secrets` (values seen on the request) replaced. */
  scrub(text: string, secrets: readonly string[]): string;
}

/** Extra names to redact, on top of the defaults. */
export interface RedactorOptions {
  readonly headers?: readonly string[];
  readonly query?: readonly string[];
}

/**
 * Builds the redactor. Extra names are added to the defaults, never replace them.
 *
 * @example
 * ```ts
 * const redactor = createRedactor({ query: ['tenant_secret_id'] });
 * redactor.url('https://u:p@api.test/x?token=abc&page=2');
 * // 'https://REDACTED:REDACTED@api.test/x?token=REDACTED&page=2'
 * ```
 */
export function createRedactor(options: RedactorOptions = {}): Redactor {
  const secretHeaders = new Set([...DEFAULT_REDACTED_HEADERS, ...(options.headers ?? []).map(lower)]);
  const secretQuery = new Set([...DEFAULT_REDACTED_QUERY, ...(options.query ?? []).map(lower)]);

  const isSecretHeader = (name: string): boolean => {
    const n = name.toLowerCase();
    return secretHeaders.has(n) || SECRET_LOOKING_HEADER.test(n);
  };
  const isSecretQuery = (name: string): boolean => {
    const n = name.toLowerCase();
    return secretQuery.has(n) || SECRET_LOOKING_QUERY.test(n);
  };

  const url = (input: string | URL): string => {
    const text = typeof input === 'string' ? input : input.href;
    // Fast path: nothing to hide without userinfo or a query.
    if (!text.includes('@') && !text.includes('?')) return text;
    let parsed: URL;
    try {
      parsed = new URL(text);
    } catch {
      return redactUnparsable(text);
    }
    if (parsed.username !== '' || parsed.password !== '') {
      parsed.username = REDACTED;
      if (parsed.password !== '') parsed.password = REDACTED;
    }
    if (parsed.search !== '') {
      // Rebuilt by hand: URLSearchParams would re-encode every other parameter.
      const parts = parsed.search.slice(1).split('&');
      let changed = false;
      for (let i = 0; i < parts.length; i++) {
        const part = parts[i] ?? '';
        const eq = part.indexOf('=');
        const rawName = eq === -1 ? part : part.slice(0, eq);
        let name = rawName;
        try {
          name = decodeURIComponent(rawName.replace(/\+/g, ' '));
        } catch {
          // keep the raw name
        }
        if (eq !== -1 && isSecretQuery(name)) {
          parts[i] = `${rawName}=${REDACTED}`;
          changed = true;
        }
      }
      if (changed) parsed.search = `?${parts.join('&')}`;
    }
    return parsed.href;
  };

  return {
    url,
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
    scrub(text, secrets) {
      let out = text;
      for (const secret of secrets) {
        // Very short values would blank out ordinary words; they are not secrets anyone relies on.
        if (secret.length >= 4 && out.includes(secret)) out = out.split(secret).join(REDACTED);
      }
      return out;
    },
  };
}

function lower(name: string): string {
  return name.trim().toLowerCase();
}

/** A URL that does not parse still loses anything between "//" and "@", and every query value. */
function redactUnparsable(text: string): string {
  return text.replace(/\/\/[^/@]*@/, `//${REDACTED}@`).replace(/([?&][^=&#]*=)[^&#]*/g, `$1${REDACTED}`);
}
