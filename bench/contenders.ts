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
  /** What the row's client is, for the legend under the table. */
  readonly describe?: string;
  readonly send: Send;
  /** The routes it is measured on: both unless a route says nothing about it. @default ['/ok', '/fail'] */
  readonly paths?: readonly string[];
  /** Measured by `--quick` (the smoke run measures only the rows of the ratio table). @default false */
  readonly quick?: boolean;
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
  // What a user gets by default (issue 25): the 0.2 default list — retry() from
  // FAULTLINE_RETRY_* and throttle() — no logger, report or telemetry option, and no SDK
  // set up in this process. Only on a 200: the default retry answers a 503 with backoff
  // delays, so its figure there would be three attempts and their timers, not a call.
  const defaultJson = createClient({ name: 'bench', baseUrl });
  const defaultGet = createClient({ name: 'bench', baseUrl });
  const DEFAULT_CLIENT =
    'createClient({ name, baseUrl }): the default resilience list (retry(), throttle()), no logger/report/telemetry options, no SDK set up; 200 only (the default retry answers a 503 with backoff)';
  // One attempt, telemetry off: the rows of the table before issue 25, kept for the 503 path.
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
  const SINGLE =
    'createClient({ name, baseUrl, resilience: [throttle()], telemetry: { enabled: false }, env: {} }): one attempt, no signals (the no-signals rows before issue 25)';
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
        describe: 'resilience: [retryBudget(), circuitBreaker() kept closed, throttle()], telemetry off, local state',
        send: (path) => local.json(path).then(() => {}, expectSent),
        close: () => local.close(),
      },
      {
        name: 'faultline json(), budget + breaker, shared in Redis',
        describe: 'the same list on sharedState({ url: FAULTLINE_BENCH_REDIS_URL })',
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
      name: 'faultline json(), default client',
      describe: DEFAULT_CLIENT,
      send: (path) => defaultJson.json(path).then(() => {}),
      paths: ['/ok'],
      quick: true,
      close: () => defaultJson.close(),
    },
    {
      name: 'faultline get(), default client',
      describe: DEFAULT_CLIENT,
      send: (path) => defaultGet.get(path).then((res) => res.json().then(() => {})),
      paths: ['/ok'],
      quick: true,
      close: () => defaultGet.close(),
    },
    {
      name: 'faultline json(), one attempt, telemetry off',
      describe: SINGLE,
      send: (path) => faultlineJson.json(path).then(() => {}, expectFailure),
      close: () => faultlineJson.close(),
    },
    {
      name: 'faultline get(), one attempt, telemetry off',
      describe: SINGLE,
      send: (path) => faultlineGet.get(path).then((res) => res.json().then(() => {}), expectFailure),
      close: () => faultlineGet.close(),
    },
    ...fleetRows,
    ...extra,
    {
      name: 'undici.request',
      describe: 'undici.request(url, { dispatcher: new Agent() }), body.json()',
      quick: true,
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
