import { ConfigError } from '../errors/ConfigError.js';

// undici's own rules (lib/core/util.js): a name is an RFC 9110 token; a value holds no
// control character but tab (CR, LF and NUL above all: they would split the request).
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE_CHAR = /[^\t\x20-\x7e\x80-\xff]/;

const ACCEPTED = 'a Headers object, a record of header names to string values, or a list of [name, value] pairs';

/**
 * Checks headers as undici will when the request is sent, so that a header it would refuse
 * is a {@link ConfigError} now instead of a `network` failure on every attempt. A value is
 * never shown (it may be a credential); the header's name is.
 *
 * @throws {ConfigError} for headers in no accepted shape, a name that is not a token or a
 * value undici would refuse.
 */
export function checkHeaders(value: unknown, option: string): void {
  // A Headers object checked every name and value as they were set.
  if (value instanceof Headers) return;
  if (typeof value !== 'object' || value === null)
    throw new ConfigError(option, typeof value === 'string' ? 'a string' : value, 'is not headers', ACCEPTED);
  if (Array.isArray(value)) {
    for (const pair of value as unknown[]) {
      if (!Array.isArray(pair) || pair.length !== 2)
        throw new ConfigError(option, 'a list', 'holds an item that is not a [name, value] pair', ACCEPTED);
      checkHeader(pair[0], pair[1], option);
    }
    return;
  }
  for (const name in value) {
    let header: unknown;
    try {
      header = (value as Record<string, unknown>)[name];
    } catch {
      throw new ConfigError(option, name, "names a header whose value's getter threw", ACCEPTED);
    }
    checkHeader(name, header, option);
  }
}

function checkHeader(name: unknown, value: unknown, option: string): void {
  if (typeof name !== 'string' || !TOKEN.test(name)) {
    throw new ConfigError(
      option,
      typeof name === 'string' ? name : typeof name,
      'holds a header name that is not a token',
      "a header name of letters, digits and !#$%&'*+-.^_`|~",
    );
  }
  if (value === undefined) return;
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
    throw new ConfigError(option, name, 'names a header whose value is not a string', 'a string value');
  if (typeof value === 'string' && BAD_VALUE_CHAR.test(value))
    throw new ConfigError(
      option,
      name,
      'names a header whose value holds CR, LF, NUL or another control character',
      'a value of visible characters, spaces and tabs',
    );
}
