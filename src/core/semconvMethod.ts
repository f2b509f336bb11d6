/**
 * The methods the stable HTTP semantic conventions know (`http.request.method`), QUERY
 * included since @opentelemetry/semantic-conventions 1.40 lists it.
 */
const KNOWN_METHODS: ReadonlySet<string> = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
  'QUERY',
]);

/** What the conventions record for a method outside the known set (its own name goes in `http.request.method_original`). */
export const OTHER_METHOD = '_OTHER';

/**
 * An upper-case method as `http.request.method` records it: itself when known (the same
 * string, nothing allocated), else `_OTHER`, so a client sending arbitrary verbs cannot
 * grow a metric's series without bound.
 */
export function semconvMethod(method: string): string {
  return KNOWN_METHODS.has(method) ? method : OTHER_METHOD;
}
