/**
 * The @sentry/node major faultline's Sentry adapter is written and tested against. Sentry 10
 * lacks `openTelemetryIntegration()` (init() needs it to share the app's trace) and pins
 * @opentelemetry/api below 1.10, so beside OpenTelemetry SDK 3 an app would hold two copies
 * of the API; the adapter also reads scope internals that are tested per major.
 */
export const SUPPORTED_SENTRY_MAJOR = 11;

/** The SDK version a Sentry client reports (`getSdkMetadata()`, public since v8), if any. */
export function sentryVersionOf(client: unknown): string | undefined {
  if (typeof client !== 'object' || client === null) return undefined;
  const read = (client as { getSdkMetadata?: () => { sdk?: { version?: unknown } } | undefined }).getSdkMetadata;
  if (typeof read !== 'function') return undefined;
  try {
    const version = read.call(client)?.sdk?.version;
    return typeof version === 'string' ? version : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Throws when `version` is a @sentry/node major other than the supported one, saying what
 * to install; an unknown version passes (the adapter then checks every part it uses).
 * @throws {Error} naming the version found and the supported range.
 */
export function assertSentrySupported(version: string | undefined, origin: 'found' | 'imported'): void {
  if (version === undefined) return;
  const major = Number.parseInt(version, 10);
  if (major === SUPPORTED_SENTRY_MAJOR) return;
  const how =
    origin === 'found' ? 'the application set up @sentry/node' : 'SENTRY_DSN is set and the installed @sentry/node is';
  throw new Error(
    `faultline: ${how} ${version}, but faultline supports @sentry/node ${SUPPORTED_SENTRY_MAJOR} only ` +
      `(>=${SUPPORTED_SENTRY_MAJOR}.0.0 <${SUPPORTED_SENTRY_MAJOR + 1}.0.0): npm install @sentry/node@${SUPPORTED_SENTRY_MAJOR}`,
  );
}
