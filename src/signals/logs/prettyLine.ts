/**
 * Fields a pretty line leaves out whatever their value: the level, time and message have
 * their own places, the ids go last, and where the call went is said by the upstream and
 * route in the message (the JSON format keeps `url.full`, `server.*` and `service.name`).
 */
const PLACED = new Set([
  'timestamp',
  'level',
  'message',
  'trace_id',
  'span_id',
  'url.full',
  'server.address',
  'server.port',
  'service.name',
]);

type Said = (value: unknown, message: string) => boolean;

const asWord: Said = (value, message) => containsWord(message, String(value));
const asMs: Said = (value, message) => message.includes(`${String(value)} ms`);

/**
 * faultline's fields that its messages state (`payments GET /v1/charges/{id} attempt 2
 * failed (server 503); retrying in 400 ms (backoff)`): a pretty line omits each one whose
 * value its message really says, and shows the rest.
 */
const SAID_BY_MESSAGE: Readonly<Record<string, Said>> = {
  'http.request.method': asWord,
  'http.response.status_code': asWord,
  'error.type': asWord,
  'faultline.upstream': asWord,
  'faultline.route': asWord,
  'faultline.failure.kind': asWord,
  'faultline.retry.reason': asWord,
  'faultline.retry.delay_source': asWord,
  'faultline.stop_reason': asWord,
  'faultline.retry.delay_ms': asMs,
  'faultline.duration_ms': asMs,
  'faultline.attempt': (value, message) => message.includes(`attempt ${String(value)}`),
  'faultline.fallback': (value, message) => value === true && message.endsWith('; answered by fallback'),
  // One attempt is the ordinary case: a success's line need not say it.
  'faultline.attempts': (value, message) => value === 1 || message.includes(`${String(value)} attempt`),
  // The resend count is the attempt number less one.
  'http.request.resend_count': (value, message) =>
    typeof value === 'number' &&
    (message.includes(`attempt ${value + 1}`) || message.includes(`${value + 1} attempts`)),
};

const LEVEL_COLOURS: Readonly<Record<string, string>> = {
  error: '\u001b[31m',
  warn: '\u001b[33m',
  info: '\u001b[32m',
  http: '\u001b[36m',
  debug: '\u001b[34m',
};
const DIM = '\u001b[2m';
const RESET = '\u001b[0m';

/**
 * One log line for a person at a terminal (FAULTLINE_LOG_FORMAT=pretty): the time of day
 * (UTC, as in the JSON lines), the level, the message, the fields the message does not
 * already say, and the full `trace_id` and `span_id` last, so they can be copied into a
 * tracing UI.
 *
 * @example
 * ```text
 * 14:02:11.532 WARN  payments GET /v1/charges/{id} attempt 2 failed (server 503); retrying in 400 ms (backoff)  duration_ms=12  trace=4bf92f3577b34da6a3ce929d0e0e4736 span=00f067aa0ba902b7
 * ```
 */
export function prettyLine(info: Readonly<Record<string, unknown>>, colours = false): string {
  const level = String(info['level'] ?? '');
  const message = String(info['message'] ?? '');
  const extras: string[] = [];
  for (const [key, value] of Object.entries(info)) {
    if (value === undefined || PLACED.has(key)) continue;
    const said = SAID_BY_MESSAGE[key];
    if (said !== undefined && said(value, message)) continue;
    extras.push(`${key.startsWith('faultline.') ? key.slice('faultline.'.length) : key}=${text(value)}`);
  }
  const traceId = info['trace_id'];
  const spanId = info['span_id'];
  const ids =
    typeof traceId === 'string' && typeof spanId === 'string'
      ? `trace=${traceId} span=${spanId}`
      : typeof traceId === 'string'
        ? `trace=${traceId}`
        : '';
  const label = level.toUpperCase().padEnd(5);
  const colour = colours ? LEVEL_COLOURS[level] : undefined;
  return [
    `${timeOfDay(info['timestamp'])} ${colour === undefined ? label : `${colour}${label}${RESET}`} ${message}`,
    ...(extras.length === 0 ? [] : [extras.join(' ')]),
    ...(ids === '' ? [] : [colours ? `${DIM}${ids}${RESET}` : ids]),
  ].join('  ');
}

/** `14:02:11.532` from winston's ISO timestamp; any other timestamp as it is. */
function timeOfDay(timestamp: unknown): string {
  const value = String(timestamp ?? '');
  const match = /^\d{4}-\d{2}-\d{2}T(\d{2}:\d{2}:\d{2}(?:\.\d{3})?)/.exec(value);
  return match?.[1] ?? value;
}

function containsWord(haystack: string, word: string): boolean {
  if (word === '') return false;
  let from = 0;
  for (;;) {
    const at = haystack.indexOf(word, from);
    if (at < 0) return false;
    const before = haystack[at - 1];
    const after = haystack[at + word.length];
    if ((before === undefined || !/\w/.test(before)) && (after === undefined || !/\w/.test(after))) return true;
    from = at + 1;
  }
}

function text(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Error) return JSON.stringify(`${value.name}: ${value.message}`);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return '[unserialisable]';
  }
}
