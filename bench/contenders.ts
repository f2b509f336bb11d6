import axios from 'axios';
import got from 'got';
import ky from 'ky';
import { Agent, request } from 'undici';
import { circuitBreaker, createClient, isRequestFailure, retryBudget, sharedState, throttle } from '../src/index.js';

// No retry, and the Retry-After hold every client of 0.1 had: what the single-attempt rows measured then.
const SINGLE_ATTEMPT = [throttle()];

/** One request of a contender: resolves once the body is read and parsed (or the failure seen). */
export type Send = (path: string) => Promise<void>;

export interface Contender {
  readonly name: string;
  readonly send: Send;
  /** Called before each of its measurements (warm-up included): switches on what only it uses. */
  enter?(): void;
  /** Called after each of its measurements. */
  leave?(): void;
  close(): Promise<void>;
}

/** Swallows the failure a 503 is meant to produce, re-throws anything else. */
export const expectFailure = (error: unknown): void => {
  // faultline's errors first: reading `response` would build the Response they hold lazily.
  if (isRequestFailure(error)) return;
  const response = (error as { response?: { status?: number; statusCode?: number } }).response;
  if (response?.status === 503 || response?.statusCode === 503) return;
  throw error;
};

/** Like {@link expectFailure}, but a call refused unsent (an open circuit, a spent budget) is a bench error. */
const expectSent = (error: unknown): void => {
  if (isRequestFailure(error) && error.status === undefined) throw error;
  expectFailure(error);
};

/** The clients compared, each set up as its users would, single attempt, JSON parsed. */
export function contenders(baseUrl: string, extra: readonly Contender[] = []): Contender[] {
  const faultlineJson = createClient({
    baseUrl,
    name: 'bench',
    resilience: SINGLE_ATTEMPT,
    telemetry: { enabled: false },
    env: {},
  });
  const faultlineGet = createClient({
    baseUrl,
    name: 'bench',
    resilience: SINGLE_ATTEMPT,
    telemetry: { enabled: false },
    env: {},
  });
  // The shared-state row (issue 15): the same budget + breaker on local state and on a
  // fleet's state in Redis; only when FAULTLINE_BENCH_REDIS_URL names a running Redis.
  const redisUrl = process.env['FAULTLINE_BENCH_REDIS_URL'];
  const protectedClient = (shared: ReturnType<typeof sharedState> | false) =>
    createClient({
      baseUrl,
      name: 'bench',
      // A circuit that never opens: the rows measure calls that reach the server (with the
      // breaker and budget counting each), not fast refusals once /fail has tripped it.
      resilience: [retryBudget(), circuitBreaker({ failureThreshold: Number.MAX_SAFE_INTEGER }), throttle()],
      telemetry: { enabled: false },
      env: {},
      shared,
    });
  const fleetRows: Contender[] = [];
  if (redisUrl !== undefined && redisUrl !== '') {
    const shared = sharedState({ url: redisUrl, prefix: `bench-${process.pid}:` });
    const local = protectedClient(false);
    const fleet = protectedClient(shared);
    fleetRows.push(
      {
        name: 'faultline json(), budget + breaker, local state',
        send: (path) => local.json(path).then(() => {}, expectSent),
        close: () => local.close(),
      },
      {
        name: 'faultline json(), budget + breaker, shared in Redis',
        send: (path) => fleet.json(path).then(() => {}, expectSent),
        close: () => fleet.close().then(() => shared.close()),
      },
    );
  }
  const undiciAgent = new Agent();
  const gotClient = got.extend({ prefixUrl: baseUrl, retry: { limit: 0 } });
  const axiosClient = axios.create({ baseURL: baseUrl });
  const kyClient = ky.create({ prefixUrl: baseUrl, retry: 0 });
  return [
    {
      name: 'faultline client.json()',
      send: (path) => faultlineJson.json(path).then(() => {}, expectFailure),
      close: () => faultlineJson.close(),
    },
    {
      name: 'faultline client.get()',
      send: (path) => faultlineGet.get(path).then((res) => res.json().then(() => {}), expectFailure),
      close: () => faultlineGet.close(),
    },
    ...fleetRows,
    ...extra,
    {
      name: 'undici.request',
      send: async (path) => {
        const { body } = await request(baseUrl + path, { dispatcher: undiciAgent });
        await body.json();
      },
      close: () => undiciAgent.close(),
    },
    {
      name: 'global fetch',
      send: async (path) => {
        const res = await fetch(baseUrl + path);
        await res.json();
      },
      close: async () => {},
    },
    {
      name: 'got',
      send: (path) =>
        gotClient(path.slice(1))
          .json()
          .then(() => {}, expectFailure),
      close: async () => {},
    },
    {
      name: 'axios',
      send: (path) => axiosClient.get(path).then(() => {}, expectFailure),
      close: async () => {},
    },
    {
      name: 'ky',
      send: (path) =>
        kyClient
          .get(path.slice(1))
          .json()
          .then(() => {}, expectFailure),
      close: async () => {},
    },
  ];
}
