// The testing kit on either OpenTelemetry SDK line: SDK 3 has `@opentelemetry/sdk-trace`
// (`TracerProvider`, `SimpleSpanProcessor({ exporter })`) and no sdk-trace-base; SDK 2 has
// sdk-trace-base (`BasicTracerProvider`, a positional exporter). Issue 22, finding 1.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { trace } from '@opentelemetry/api';
import * as asyncHooks from '@opentelemetry/context-async-hooks';
import * as core from '@opentelemetry/core';
import * as sdkMetrics from '@opentelemetry/sdk-metrics';
import * as sdkTrace from '@opentelemetry/sdk-trace';
import * as traceBase from '@opentelemetry/sdk-trace-base';
import { installOtelCapture, loadOtelSdk } from 'faultline/testing';

describe('the testing kit on the trace SDK of either line', () => {
  for (const [name, traceSdk] of [
    ['@opentelemetry/sdk-trace (TracerProvider)', sdkTrace],
    ['@opentelemetry/sdk-trace-base (BasicTracerProvider)', traceBase],
  ] as const) {
    it(`captures spans, in the order they end, with ${name}`, async () => {
      const capture = installOtelCapture({ asyncHooks, core, sdkMetrics, traceBase: traceSdk }, { register: true });
      try {
        const tracer = trace.getTracer('kit-test');
        const outer = tracer.startSpan('outer');
        tracer.startSpan('inner').end();
        outer.end();
        assert.deepEqual(
          capture.spans.map((span) => span.name),
          ['inner', 'outer'],
        );
      } finally {
        await capture.shutdown();
      }
    });
  }

  it('loadOtelSdk() takes @opentelemetry/sdk-trace when it is installed (SDK 3 has nothing else)', async () => {
    const sdk = await loadOtelSdk();
    assert.equal(sdk.traceBase.TracerProvider, sdkTrace.TracerProvider);
  });
});
