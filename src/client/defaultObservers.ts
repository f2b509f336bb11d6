import { DEFAULTS, settle } from '../core/defaults.js';
import type { ClientConfig } from './resolveClientConfig.js';
import { watchBreakers } from './watchBreakers.js';
import type { ClientOptions } from '../types/client.js';
import type { RequestObserver } from '../types/observers.js';
import { createSignalsObserver } from '../signals/createSignalsObserver.js';

/** The observers a client gets when its options name none: every signal faultline has. */
export function defaultObservers(options: ClientOptions, config: ClientConfig): RequestObserver[] {
  const { env } = config;
  const report =
    options.report === false
      ? false
      : {
          kinds: settle(options.report?.kinds, env.reportKinds, DEFAULTS.reportKinds),
          capPerMinute: settle(options.report?.capPerMinute, env.reportCapPerMinute, DEFAULTS.reportCapPerMinute),
        };
  return [
    createSignalsObserver({
      logger: config.logger,
      report,
      redactor: config.redactor,
      diagnostics: config.diagnostics,
      circuits: watchBreakers(config.strategy, config.diagnostics),
      now: () => config.clock.now(),
      fleetCap: config.fleetCap,
    }),
  ];
}
