/**
 * The text with the userinfo of a URL (or of a URL-like text that does not parse) masked:
 * everything between the scheme's `//` (or the start) and the last `@`, so a password
 * written with a raw `/`, `?`, `#` or `@` is still masked whole. With `keepUser`, the user
 * name before the first `:` stays readable (an ACL user is not a secret and tells an
 * operator which one is configured); an empty one is not shown.
 *
 * @param mask - what stands in for the secret, e.g. `****`
 * @param keepUser - @default false
 * @example
 * ```ts
 * maskCredentials('rediss://app:s3cret@cache:6380/0', '****', true); // 'rediss://app:****@cache:6380/0'
 * maskCredentials('http://egress:pw@proxy:3128', 'REDACTED'); // 'http://REDACTED@proxy:3128'
 * ```
 */
export function maskCredentials(text: string, mask: string, keepUser = false): string {
  return text.replace(/^((?:[a-z][a-z0-9+.-]*:)?\/\/)?([\s\S]*)@/i, (_, scheme: string | undefined, info: string) => {
    const colon = info.indexOf(':');
    const user = keepUser && colon > 0 ? `${info.slice(0, colon)}:` : '';
    return `${scheme ?? ''}${user}${mask}@`;
  });
}
