import { undiciRequestChannel } from '../undiciRequestChannel.js';

/**
 * The name of `@opentelemetry/instrumentation-undici`'s subscriber (its bound
 * `onRequestCreated`): the instrumentation that records `http.client.request.duration`
 * for every undici request it sees. Sentry's own undici integration records no metric.
 */
const RECORDING_SUBSCRIBER = 'bound onRequestCreated';

let seen: unknown;
let recorded = false;

/**
 * True while OpenTelemetry's undici instrumentation listens to undici's requests, and so
 * records `http.client.request.duration` for each of faultline's attempts itself (it
 * honours neither suppressed tracing nor any mark a request could carry; its
 * `ignoreRequestHook` is the app's). Read from the channel's subscribers, a list Node
 * replaces on every (un)subscribe, so the answer is worked out again only when it changed.
 */
export function undiciRecordsDurations(): boolean {
  const requestCreate = undiciRequestChannel();
  if (!requestCreate.hasSubscribers) return false;
  const subscribers = (requestCreate as unknown as { _subscribers?: unknown })._subscribers;
  if (subscribers === seen) return recorded;
  seen = subscribers;
  recorded =
    Array.isArray(subscribers) &&
    subscribers.some((subscriber) => typeof subscriber === 'function' && subscriber.name === RECORDING_SUBSCRIBER);
  return recorded;
}
