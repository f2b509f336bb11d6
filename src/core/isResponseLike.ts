/**
 * A WHATWG Response from any realm or undici version, told by its shape: `instanceof`
 * would miss the `undici` package's own class (and touching the global `Response` costs
 * a module load that `import 'faultline'` must not pay).
 */
export function isResponseLike(value: unknown): value is Response {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Response>;
  return (
    typeof candidate.status === 'number' &&
    typeof candidate.clone === 'function' &&
    typeof candidate.arrayBuffer === 'function' &&
    typeof candidate.headers?.get === 'function'
  );
}
