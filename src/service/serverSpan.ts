import type { Span } from '@opentelemetry/api';
import { otelApi } from '../signals/otelApi.js';

/**
 * The key OpenTelemetry's HTTP server instrumentation keeps the request's SERVER span under
 * (`@opentelemetry/core`'s RPC metadata, `{ type: 'http', span }`). The API's
 * `createContextKey` is `Symbol.for`, so the same key is made here without loading the API
 * when `faultline` is imported.
 */
const RPC_METADATA_KEY = Symbol.for('OpenTelemetry SDK Context Key RPC_METADATA');

/**
 * The SERVER span of the request being handled. The active span is often not it: the
 * framework's instrumentation makes a span per middleware or hook, and an error handler
 * runs inside one of those. The API has no walk to a span's parent, but the HTTP server
 * instrumentation leaves its span in the context for the frameworks to name: read it
 * there, and fall back to the active span without it.
 */
export function serverSpan(): Span | undefined {
  const { context, trace } = otelApi();
  const active = context.active();
  const metadata = active.getValue(RPC_METADATA_KEY) as { type?: unknown; span?: unknown } | undefined;
  const span = metadata?.type === 'http' ? metadata.span : undefined;
  if (typeof span === 'object' && span !== null && typeof (span as Span).setAttribute === 'function')
    return span as Span;
  return trace.getSpan(active);
}
