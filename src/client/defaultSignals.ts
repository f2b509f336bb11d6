import { MAX_LOG_SAMPLE } from '../config/envConfig.js';
import { DEFAULTS, settle } from '../core/defaults.js';
import { ConfigError } from '../errors/ConfigError.js';
import type { ClientConfig } from './resolveClientConfig.js';
import type { ClientOptions, LogSamplingOptions } from '../types/client.js';
import type { LogSamplingRule } from '../signals/logs/logSampler.js';
import type { RequestObserver } from '../types/observers.js';
import { createSignalsObserver } from '../signals/createSignalsObserver.js';

/** The observer of every signal faultline has (logs, spans, metrics, Sentry), set up from the options. */
export function defaultSignals(options: ClientOptions, config: ClientConfig): RequestObserver {
  const { env } = config;
  const telemetry = options.telemetry;
  const report =
    telemetry?.report === false
      ? false
      : {
          kinds: settle(telemetry?.report?.kinds, env.reportKinds, DEFAULTS.reportKinds),
          capPerMinute: settle(telemetry?.report?.capPerMinute, env.reportCapPerMinute, DEFAULTS.reportCapPerMinute),
        };
  return createSignalsObserver({
    logger: config.logger,
    logLevel: env.logLevel,
    report,
    redactor: config.redactor,
    diagnostics: config.diagnostics,
    circuits: config.circuits,
    limiters: config.limiters,
    now: () => config.clock.now(),
    logSampling: logSamplingOf(telemetry?.logSampling, config),
    fleetCap: config.fleetCap,
    sharedState: config.sharedHealthy && { upstream: config.name, healthy: config.sharedHealthy },
    spanHooks: telemetry?.spanHooks,
  });
}

/**
 * The sampling rule in force (option > environment > default), or false when it is off.
 *
 * @throws {ConfigError} for a value that is not a whole number from 0 to 1,000,000.
 */
function logSamplingOf(option: LogSamplingOptions | false | undefined, { env }: ClientConfig): LogSamplingRule | false {
  if (option === false) return false;
  const initial = settle(
    checkSample('telemetry.logSampling.initial', option?.initial),
    env.logSampleInitial,
    DEFAULTS.logSampleInitial,
  );
  if (initial === 0) return false;
  const thereafter = settle(
    checkSample('telemetry.logSampling.thereafter', option?.thereafter),
    env.logSampleThereafter,
    DEFAULTS.logSampleThereafter,
  );
  return { initial, thereafter };
}

function checkSample(option: string, value: number | undefined): number | undefined {
  if (value === undefined || (Number.isSafeInteger(value) && value >= 0 && value <= MAX_LOG_SAMPLE)) return value;
  throw new ConfigError(option, value, 'is out of range', `a whole number of lines from 0 to ${MAX_LOG_SAMPLE}`);
}
