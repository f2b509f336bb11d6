// Segments that identify one resource rather than name an endpoint.
const ID_SEGMENT =
  /^(\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,}|[A-Za-z0-9_-]{20,}|[^/]*\d[^/]*\d[^/]*\d[^/]*\d[^/]*)$/i;

/**
 * A low-cardinality route for a path when the caller gave none: numbers, UUIDs, hashes
 * and other id-like segments become `{id}`, so `/v1/charges/42` and `/v1/charges/43`
 * group as `/v1/charges/{id}`.
 */
export function templatePath(path: string): string {
  const query = path.indexOf('?');
  const pathname = query === -1 ? path : path.slice(0, query);
  if (!/\d|[A-Za-z0-9_-]{20,}/.test(pathname)) return pathname;
  return pathname
    .split('/')
    .map((segment) => (segment !== '' && ID_SEGMENT.test(segment) ? '{id}' : segment))
    .join('/');
}
