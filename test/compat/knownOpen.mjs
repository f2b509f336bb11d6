// Contract checks that fail today for a reason another part of issue 22 fixes. The matrix
// reports them as OPEN instead of failing; once one passes it fails the run ("remove from
// knownOpen") so this list only shrinks. Each entry: the check, the init orders it fails in
// ('*' for every order), and the finding that fixes it.
export const knownOpen = [
  {
    // Sentry 11's fetch instrumentation, suppressed by faultline, still injects sentry-trace
    // `<its trace>-<span>-0` beside faultline's sampled traceparent.
    check: 'downstream-gets-sampled-trace',
    orders: ['otel-first', 'sentry-first', 'sentry-otel-setup'],
    finding: 'issue 22 finding 2',
  },
  {
    // NodeSDK first, then Sentry.init({ enableOpenTelemetrySetup: true }): the app's own
    // captureException carries faultline's tags and fingerprint.
    check: 'app-event-without-faultline-tags',
    orders: ['sentry-otel-setup'],
    finding: 'issue 22 finding 3',
  },
  {
    // Sentry's Express error handler captures the RequestFailure the route throws a second
    // time (mechanism auto.http.express), untagged.
    check: 'express-one-event-per-failed-call',
    orders: ['express'],
    finding: 'issue 22 finding 10',
  },
];
