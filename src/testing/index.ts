// faultline/testing: a kit for testing how a service behaves when its upstreams fail.
// Test code only; `import 'faultline'` never loads it.
export {
  type FaultServer,
  type Route,
  type RouteHandler,
  type SeenRequest,
  closedPort,
  startFaultServer,
} from './faultServer.js';
export type { FaultName, FaultStep, StatusStep, Step } from './faultSteps.js';
export { type SentryEvent, type SentrySink, type SentrySpan, type SinkMode, startSentrySink } from './sentrySink.js';
export { type CapturedLogs, captureLogs, type LogLine } from './captureLogs.js';
export { installOtelCapture, loadOtelSdk, type OtelCapture, type OtelSdk, pointsOf } from './otelCapture.js';
export {
  type CapturedSignals,
  type CaptureSignalsOptions,
  captureSignals,
  type MetricPoint,
} from './captureSignals.js';
export {
  expectCallFailure,
  expectFailure,
  expectFailures,
  expectNoFailure,
  type FailureMatch,
  failuresIn,
  type ToldFailure,
} from './expectFailure.js';
export { type FakeClock, fakeClock } from './fakeClock.js';
