/** Does nothing: the handler for a promise or an event whose outcome no longer matters. */
export function noop(): undefined {
  return undefined;
}
