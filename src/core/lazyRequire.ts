import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * Loads a CommonJS dependency synchronously on first use. undici and winston each take
 * longer to load than all of faultline, so `import 'faultline'` does not load them:
 * the first client (or logger) does.
 */
export function lazyRequire<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => {
    loaded ??= require(id) as T;
    return loaded;
  };
}
