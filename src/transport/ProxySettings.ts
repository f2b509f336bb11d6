/** The proxies from `HTTP_PROXY` / `HTTPS_PROXY` / `NO_PROXY`, as undici's `EnvHttpProxyAgent` takes them. */
export interface ProxySettings {
  /** The proxy for `http:` URLs, as a URL (userinfo included: never print it unmasked). */
  readonly httpProxy?: string;
  /** The proxy for `https:` URLs; undici uses `httpProxy` when this is absent. */
  readonly httpsProxy?: string;
  /** Hosts (`host`, `.domain`, `*.domain`, `host:port`, `*`) reached directly, comma or space separated. */
  readonly noProxy?: string;
}
