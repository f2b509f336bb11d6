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

/**
 * Scrubs a diagnostic message about this call's hooks (observers, policies, auth,
 * fallback): its secret values, and whatever the redactor hides in any text. The values
 * are gathered only when a message is scrubbed, which is rare.
 */
export function scrubberOf(call: Call): (text: string) => string {
  return (text) => call.config.redactor.scrub(text, secretsOf(call));
}

/** The secret values this call carries, so no message repeats them. */
function secretsOf(call: Call): string[] {
  const { redactor } = call.config;
  const secrets: string[] = [];
  for (const [name, value] of Object.entries(call.headers)) {
    if (!redactor.isSecretHeader(name)) continue;
    secrets.push(value);
    for (const part of value.split(/[\s,;=]+/)) {
      if (part.length < 8) continue;
      secrets.push(part);
      // Basic credentials: the user and password a message may repeat decoded.
      if (/^basic\s/i.test(value)) secrets.push(...basicParts(part));
    }
  }
  const query = call.target.path.indexOf('?');
  if (query !== -1) {
    for (const [name, value] of new URLSearchParams(call.target.path.slice(query + 1))) {
      if (redactor.isSecretQuery(name) && value !== '') secrets.push(value, encodeURIComponent(value));
    }
  }
  return secrets;
}

/** `user:password` decoded from a Basic credential, and each of its parts. */
function basicParts(encoded: string): string[] {
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? [] : [decoded, decoded.slice(0, colon), decoded.slice(colon + 1)];
}
