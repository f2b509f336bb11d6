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
          ...(env.reportKinds === undefined ? {} : { kinds: env.reportKinds }),
          ...(env.reportCapPerMinute === undefined ? {} : { capPerMinute: env.reportCapPerMinute }),
          ...options.report,
        };
  return [
    createSignalsObserver({
      logger: config.logger,
      report,
      redactor: config.redactor,
      diagnostics: config.diagnostics,
      circuits: watchBreakers(config.strategy, config.diagnostics),
      now: () => config.clock.now(),
    }),
  ];
}
