import { LOGGER_ACCEPTED, loggerShapeOf } from '../core/loggerShape.js';
import { ConfigError } from '../errors/ConfigError.js';
import type { ClientOptions } from '../types/client.js';
import { MAX_LOG_SAMPLE } from './envConfig.js';
import {
  boolean,
  type Check,
  failureKinds,
  group,
  headers,
  hidden,
  listOf,
  milliseconds,
  orFalse,
  readMember,
  shaped,
  shown,
  text,
  wholeNumber,
} from './optionChecks.js';

/** A `resilience` list: each entry a policy (what retry(), circuitBreaker()… return, or `{ name, build }`). */
export const policies = listOf(
  shaped(['build'], ['describe'], 'a policy: what retry(), circuitBreaker()… return, or { name, build(context) }'),
  'a list of policies, outermost first',
);
/** A `timeout` group. */
export const timeout = group({ totalMs: milliseconds, attemptMs: milliseconds }, '{ totalMs, attemptMs }');
export const dispatcher = shaped(['dispatch'], [], 'an undici Dispatcher such as an Agent, ProxyAgent or MockAgent');

/**
 * A logger of a shape the writer knows (winston, pino, console: the rule the writer uses,
 * so the check and the writer never disagree), or with `warnAlone` an object with `warn`
 * alone: all diagnostics need when `telemetry.enabled` is false.
 */
function loggerCheck(warnAlone: boolean): Check {
  const accepted = warnAlone ? `${LOGGER_ACCEPTED}; with telemetry.enabled false, warn alone` : LOGGER_ACCEPTED;
  return (value, option) => {
    // A string where an object belongs may well be a credential: shown by its type only.
    if ((typeof value !== 'object' && typeof value !== 'function') || value === null)
      throw new ConfigError(option, hidden(value), 'is not an object', accepted);
    const read = (name: string): unknown => readMember(value, name, `${option}.${name}`);
    if (loggerShapeOf(read) !== undefined || (warnAlone && typeof read('warn') === 'function')) return;
    throw new ConfigError(option, hidden(value), 'is not a logger faultline can write to', accepted);
  };
}

/** The logger faultline's own log lines are written to (unless `telemetry.enabled` is false). */
export const SIGNALS_LOGGER = loggerCheck(false);

const names = (what: string): Check => listOf(text, `a list of ${what}`);

/**
 * Every client option and what it accepts: the one place {@link ClientOptions} are
 * checked. The mapped type makes leaving an option out a compile error.
 */
export const CLIENT_OPTION_CHECKS: { readonly [K in keyof ClientOptions]-?: Check } = {
  name: text,
  baseUrl: (value, option) => {
    // Parsed (and its scheme checked) where it is used; here only its type.
    if (typeof value !== 'string' && !(value instanceof URL))
      throw new ConfigError(option, hidden(value), 'is not a URL', 'an http: or https: URL, as a string or URL');
  },
  headers,
  auth: shaped(
    ['apply'],
    ['onUnauthorized'],
    'an auth strategy: an object with apply(context) (and optional onUnauthorized)',
  ),
  timeout,
  resilience: policies,
  telemetry: group(
    {
      enabled: boolean,
      // Only warn is needed with signals off; with them on, see SIGNALS_LOGGER.
      logger: loggerCheck(true),
      report: orFalse(
        group(
          { kinds: failureKinds, capPerMinute: wholeNumber('events per minute', 1_000_000) },
          '{ kinds, capPerMinute } or false',
        ),
      ),
      logSampling: orFalse(
        group(
          { initial: wholeNumber('lines', MAX_LOG_SAMPLE), thereafter: wholeNumber('lines', MAX_LOG_SAMPLE) },
          '{ initial, thereafter } or false',
        ),
      ),
      observers: listOf(
        shaped([], ['attemptStarted', 'callEnded'], 'an observer: an object with attemptStarted and callEnded'),
        'a list of observers',
      ),
      spanHooks: shaped(
        [],
        ['start', 'end', 'ignore'],
        'span hooks: an object with optional start, end and ignore functions',
      ),
    },
    '{ enabled, logger, report, logSampling, observers, spanHooks }',
  ),
  redact: group({ headers: names('header names'), query: names('query parameter names') }, '{ headers, query }'),
  transport: group(
    { dispatcher, maxRedirects: wholeNumber('redirects'), maxJsonBytes: wholeNumber('bytes') },
    '{ dispatcher, maxRedirects, maxJsonBytes }',
  ),
  clock: shaped(['now', 'sleep'], [], 'a clock: an object with now() and sleep(ms, signal)'),
  // Whether it is a shared state is known only where shared states are made (a layer up).
  shared: orFalse(shaped([], [], 'what sharedState() returns, or false')),
  env: (value, option) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new ConfigError(option, shown(value), 'is not an object', 'an object of variable names to strings');
    for (const name in value) {
      const variable = (value as Record<string, unknown>)[name];
      if (variable !== undefined && typeof variable !== 'string')
        throw new ConfigError(`${option}.${name}`, shown(variable), 'is not a string', 'a string, like process.env');
    }
  },
};
