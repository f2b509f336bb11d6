import { readEnvConfig } from '../config/envConfig.js';
import { defaultLogger } from '../signals/defaultLogger.js';
import { logWriterFor } from '../signals/logs/logWriter.js';
import { ATTR } from '../signals/attributes.js';
import type { ProblemAnswer } from './answerProblem.js';
import type { ProblemOptions } from './ProblemOptions.js';
import { serverSpan } from './serverSpan.js';

/**
 * Tells what the answer adds to what the client already told: the status (and the failure's
 * kind) on the request's SERVER span, and a log line only for what no client logged — a caller that went away
 * (499) and an unexpected error answered with 500. Never throws into the app.
 */
export function tellAnswer(answer: ProblemAnswer, error: unknown, path: string, options: ProblemOptions): void {
  try {
    const span = serverSpan();
    span?.setAttribute(ATTR.HTTP_RESPONSE_STATUS_CODE, answer.status);
    if (answer.kind !== undefined) span?.setAttribute(ATTR.FAILURE_KIND, answer.kind);
  } catch {
    // A broken tracer must not change the answer.
  }
  if (answer.log === undefined) return;
  try {
    const env = readEnvConfig(process.env);
    // Made per answer: only the rare answers no client told (499, 500) come here.
    const log = logWriterFor(options.logger ?? defaultLogger(env), env.logLevel);
    const fields: Record<string, unknown> = {
      [ATTR.HTTP_RESPONSE_STATUS_CODE]: answer.status,
      'url.path': path,
    };
    if (answer.log === 'cancelled') {
      fields[ATTR.FAILURE_KIND] = 'cancelled';
      log.write('info', 'faultline: the caller closed the request before it was answered', fields);
    } else {
      fields['error'] = describe(error);
      log.write('error', `faultline: an unexpected error was answered with ${answer.status}`, fields);
    }
  } catch {
    // Nowhere left to tell it; the answer still goes out.
  }
}

function describe(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { value: String(error) };
  return { name: error.name, message: error.message, stack: error.stack };
}
