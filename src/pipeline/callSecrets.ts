import type { Failure } from '../types/failure.js';
import type { Call } from './prepareCall.js';

/**
 * A thrown error's message may repeat what the request carried (a URL with its query, a
 * token); the messages faultline writes for statuses never do. Scrubbed once, where the
 * failure arises, so no signal and no error sees the secret.
 */
export function withoutSecrets(call: Call, failure: Failure): Failure {
  if (failure.status !== undefined) return failure;
  const message = call.config.redactor.scrub(failure.message, secretsOf(call));
  return message === failure.message ? failure : { ...failure, message };
}

/** Scrubs this call's secrets from a diagnostic message about its hooks. */
export function scrubberOf(call: Call): (text: string) => string {
  return (text) => call.config.redactor.scrub(text, secretsOf(call));
}

/** The secret values this call carries, so no message repeats them. */
function secretsOf(call: Call): string[] {
  const { redactor } = call.config;
  const secrets: string[] = [];
  for (const [name, value] of Object.entries(call.headers)) {
    if (redactor.isSecretHeader(name))
      secrets.push(value, ...value.split(/[\s,;=]+/).filter((part) => part.length >= 8));
  }
  const query = call.target.path.indexOf('?');
  if (query !== -1) {
    for (const [name, value] of new URLSearchParams(call.target.path.slice(query + 1))) {
      if (redactor.isSecretQuery(name) && value !== '') secrets.push(value, encodeURIComponent(value));
    }
  }
  return secrets;
}
