import type { Redactor } from '../../redaction/Redactor.js';
import { findSentry, type SentryClientLike } from './sentryApi.js';

type Fields = Record<string, unknown>;

/**
 * The redactors each Sentry client runs, one per set of names (clients with equal lists
 * share one). The one module-level registry faultline keeps, on purpose: the Sentry client
 * is the application's, one per process, and its hooks must be added once whatever number
 * of faultline clients (and builds of faultline) see it; weak, so a closed client is freed.
 */
const redactorsOf = new WeakMap<object, Map<string, Redactor>>();

// Nested values deeper than this are not Sentry's URL fields; stop there.
const MAX_DEPTH = 4;

/**
 * Makes the application's Sentry client run `redactor` over what Sentry records itself:
 * its HTTP breadcrumbs (`url`, `url.query`, `http.query`, `url.fragment`… for every
 * request, faultline's included: Sentry cannot tell them apart, nor can faultline), the
 * breadcrumbs, spans, trace data, transaction name and request of each event it sends,
 * and each span it streams. Hooks are added once per client; a second redactor with other
 * names joins the first. Cheap to call on every attempt: one lookup when already done.
 */
export function scrubSentryClient(client: SentryClientLike | undefined, redactor: Redactor): void {
  if (client === undefined || typeof client.on !== 'function') return;
  let redactors = redactorsOf.get(client);
  if (redactors?.has(redactor.key) === true) return;
  if (redactors === undefined) {
    redactors = new Map();
    redactorsOf.set(client, redactors);
    const all = redactors;
    const scrub = (fields: unknown) => {
      for (const each of all.values()) scrubFields(fields, each, 0);
    };
    client.on('beforeAddBreadcrumb', scrub);
    client.on('beforeSendEvent', (event) => {
      for (const each of all.values()) scrubEvent(event, each);
    });
    // Streamed spans (Sentry 11's span envelopes): name and attributes.
    client.on('processSpan', scrub);
  }
  redactors.set(redactor.key, redactor);
}

/** {@link scrubSentryClient} for the application's Sentry client, if one is set up; never throws. */
export function scrubAppSentry(redactor: Redactor): void {
  try {
    scrubSentryClient(findSentry()?.getClient(), redactor);
  } catch {
    // A foreign Sentry carrier: nothing faultline can hook into.
  }
}

/** The parts of an event that carry URLs Sentry collected: breadcrumbs, spans, trace, transaction, request. */
function scrubEvent(event: unknown, redactor: Redactor): void {
  if (!isFields(event)) return;
  const { breadcrumbs, spans, contexts, request } = event;
  if (Array.isArray(breadcrumbs)) for (const breadcrumb of breadcrumbs) scrubFields(breadcrumb, redactor, 1);
  if (Array.isArray(spans)) for (const span of spans) scrubFields(span, redactor, 1);
  if (isFields(contexts)) scrubFields(contexts['trace'], redactor, 1);
  if (isFields(request)) scrubFields(request, redactor, 1);
  if (typeof event['transaction'] === 'string') event['transaction'] = redactor.text(event['transaction']);
}

/**
 * Every string in `fields`, in place: a field named for a query or fragment is read as
 * one (`sig=…&page=2`), any other as free text (a URL, a span name, a message).
 */
function scrubFields(fields: unknown, redactor: Redactor, depth: number): void {
  if (!isFields(fields) || depth > MAX_DEPTH) return;
  for (const key of Object.keys(fields)) {
    const value = fields[key];
    if (typeof value === 'string') {
      const scrubbed = /(query|fragment|query_string)$/i.test(key)
        ? redactor.text(redactor.query(value))
        : redactor.text(value);
      if (scrubbed !== value) fields[key] = scrubbed;
    } else if (typeof value === 'object' && value !== null) {
      scrubFields(value, redactor, depth + 1);
    }
  }
}

function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null;
}
