import { lazyRequire } from './lazyRequire.js';

// Node's builtins cost `import 'faultline'` about 15 ms together when imported at the top of
// a module (each ES import of a builtin builds its facade; crypto and http load much of
// Node's internals). Each is needed only by a call, an auth strategy, a setting or the
// service side that uses it, so it loads there, once. undici loads stream and http itself.

/** `node:crypto`, loaded on first use. */
export const nodeCrypto = lazyRequire<typeof import('node:crypto')>('node:crypto');

/** `node:stream`, loaded on first use. */
export const nodeStream = lazyRequire<typeof import('node:stream')>('node:stream');

/** `node:http`, loaded on first use. */
export const nodeHttp = lazyRequire<typeof import('node:http')>('node:http');

/** `node:fs`, loaded on first use. */
export const nodeFs = lazyRequire<typeof import('node:fs')>('node:fs');

/** `node:os`, loaded on first use. */
export const nodeOs = lazyRequire<typeof import('node:os')>('node:os');

/** `node:async_hooks`, loaded on first use. */
export const nodeAsyncHooks = lazyRequire<typeof import('node:async_hooks')>('node:async_hooks');

/** `node:diagnostics_channel`, loaded on first use. */
export const nodeDiagnosticsChannel =
  lazyRequire<typeof import('node:diagnostics_channel')>('node:diagnostics_channel');
