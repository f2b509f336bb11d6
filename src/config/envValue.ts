/** The process environment, or the map a test or `faultline check` reads in its place. */
export type Env = Readonly<Record<string, string | undefined>>;

/** A variable's value, trimmed; unset and blank are both "not set". */
export function envValue(env: Env, name: string): string | undefined {
  const trimmed = env[name]?.trim();
  return trimmed === '' ? undefined : trimmed;
}
