// The kit's OpenTelemetry capture (faultline/testing), started synchronously for the suites:
// the SDK packages are imported statically here, where the kit loads them on demand.
import * as asyncHooks from '@opentelemetry/context-async-hooks';
import * as core from '@opentelemetry/core';
import type { Histogram } from '@opentelemetry/sdk-metrics';
import * as sdkMetrics from '@opentelemetry/sdk-metrics';
import * as traceBase from '@opentelemetry/sdk-trace-base';
import { installOtelCapture, type OtelCapture } from '../../src/testing/index.js';

export { pointsOf } from '../../src/testing/index.js';

/** The real OpenTelemetry SDK, registered globally, with in-memory span and metric readers. */
export type OtelHarness = OtelCapture;

export function startOtel(): OtelHarness {
  return installOtelCapture({ asyncHooks, core, sdkMetrics, traceBase }, { register: true });
}

export type { Histogram };
