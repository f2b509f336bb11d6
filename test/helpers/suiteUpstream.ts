import { after, before } from 'node:test';
import { type FaultServer, startFaultServer } from '../../src/testing/index.js';
import { type Client, type ClientOptions, createClient } from '../../src/index.js';
import { fakeClock } from './fakeClock.js';
import { type OtelHarness, startOtel } from './otel.js';

/** What a suite gets from {@link useFlakyUpstream}: set once its `before` hook has run. */
export interface SuiteUpstream {
  readonly server: FaultServer;
  /** A client of the server named `faults`, on a fake clock, reading no environment. */
  client(options?: ClientOptions): Client;
}

/** A scripted upstream started before the suite's tests and closed after them. */
export function useFlakyUpstream(): SuiteUpstream {
  let server: FaultServer | undefined;
  before(async () => {
    server = await startFaultServer();
  });
  after(() => server?.close());
  return {
    get server() {
      if (server === undefined) throw new Error('useFlakyUpstream(): the suite has not started yet');
      return server;
    },
    client(options = {}) {
      return createClient({ baseUrl: this.server.url, name: 'faults', clock: fakeClock(), env: {}, ...options });
    },
  };
}

/** The real OpenTelemetry SDK with in-memory exporters for the suite, shut down after it. */
export function useOtel(): { readonly otel: OtelHarness } {
  let otel: OtelHarness | undefined;
  before(() => {
    otel = startOtel();
  });
  after(() => otel?.shutdown());
  return {
    get otel() {
      if (otel === undefined) throw new Error('useOtel(): the suite has not started yet');
      return otel;
    },
  };
}
