import type { Logger } from 'winston';
import { callsInFlight } from '../core/callsInFlight.js';
import { closeSharedStatesFromEnv } from '../shared/sharedStateFor.js';
import { otelApi } from '../signals/otelApi.js';
import type { SentryApi } from '../signals/sentry/sentryApi.js';

/** What `init()` set up or found, as shutdown ends or flushes it. */
export interface Flushables {
  /** Bound of the wait for calls in flight, and then of the flushing. */
  readonly timeoutMs: number;
  /** The Sentry client in use (the app's, or the one init started). */
  readonly sentry: SentryApi | undefined;
  /** Closes Sentry, when init started it (the app's is only flushed). */
  readonly closeSentry: ((timeoutMs: number) => PromiseLike<boolean>) | undefined;
  /** The NodeSDK init started (the app's providers are only flushed). */
  readonly sdk: { shutdown(): Promise<void> } | undefined;
  /** The logger init built (the app's is left open). */
  readonly ownLogger: Logger | undefined;
}

interface Flushable {
  forceFlush?(): Promise<void>;
  getDelegate?(): Flushable;
}

/**
 * Shutdown, in order: close the gate (a call made from now on is refused, unsent); wait
 * until the calls in flight have ended — each ends by its own deadline — for at most
 * `timeoutMs`; then, within a second `timeoutMs`, flush the spans (the tracer provider,
 * whoever registered it), the metrics (the meter provider), shut down the NodeSDK init
 * started, end the logger init built, flush Sentry (closing it when init started it), and
 * close the Redis connections made from `FAULTLINE_REDIS_URL`. Each step waits for the one
 * before, because each may still write to the next: a call's ending writes a span, a
 * metric, a log line and a Sentry event. Never rejects.
 */
export async function drainAndFlush(parts: Flushables): Promise<void> {
  callsInFlight.close();
  const drained = await callsInFlight.drained(parts.timeoutMs);
  const deadline = performance.now() + parts.timeoutMs;
  const left = () => Math.max(1, Math.ceil(deadline - performance.now()));
  const api = otelApi();
  const tracerProvider = api.trace.getTracerProvider() as Flushable;
  await bounded(left(), () => (tracerProvider.getDelegate?.() ?? tracerProvider).forceFlush?.());
  await bounded(left(), () => (api.metrics.getMeterProvider() as Flushable).forceFlush?.());
  const { sdk, ownLogger, closeSentry, sentry } = parts;
  if (sdk !== undefined) await bounded(left(), () => sdk.shutdown());
  // A call still in flight past the bound would write after the end: its logger stays open.
  if (ownLogger !== undefined && drained) await bounded(left(), () => endLogger(ownLogger));
  if (closeSentry !== undefined) await bounded(left(), () => closeSentry(left()));
  else if (sentry !== undefined) await bounded(left(), () => sentry.flush(left()));
  await bounded(left(), closeSharedStatesFromEnv);
}

/** Runs `task` for at most `ms`; its failure is shutdown's to swallow (the app is ending). */
async function bounded(ms: number, task: () => unknown): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.resolve().then(task),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, ms);
        timer.unref();
      }),
    ]);
  } catch {
    // A flush that failed has nothing left to flush to.
  } finally {
    clearTimeout(timer);
  }
}

function endLogger(logger: Logger): Promise<void> {
  return new Promise<void>((resolve) => {
    logger.once('finish', () => resolve());
    logger.end();
  });
}
