// How the fault server answers one request: a status with headers and a body, or one of the
// failures a real upstream has (a reset, a hang, a stall, a trickle, a lying length, bad JSON).
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** A scripted answer: a status with optional headers, body (or JSON) and delay before the headers. */
export interface StatusStep {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string | string[]>>;
  /** The body as sent. @default '' */
  readonly body?: string;
  /** A value sent as JSON (instead of `body`). */
  readonly json?: unknown;
  /** Waits this long before answering (a slow upstream; use with an attempt timeout). */
  readonly delayMs?: number;
}

/** The failures the fault server can stage, by name. */
export type FaultName =
  /** The connection is reset before any byte of the answer (`ECONNRESET`). */
  | 'reset-before-headers'
  /** 200 and a few bytes of a 100-byte body, then a reset. */
  | 'reset-after-headers'
  /** Never answers (headers timeout). */
  | 'hang'
  /** 200 and a few bytes of a 100-byte body, then nothing more (body timeout). */
  | 'stall-mid-body'
  /** Promises 100 bytes, sends 14 and closes (content-length mismatch). */
  | 'wrong-length'
  /** 200 `application/json` whose body is not JSON (`invalid_response` from `json()`). */
  | 'bad-json'
  /** A body that never ends. */
  | 'endless';

/** A scripted failure: a {@link FaultName}, or a body sent in `chunks` pieces `intervalMs` apart. */
export type FaultStep =
  { readonly fault: FaultName } | { readonly fault: 'trickle'; readonly intervalMs: number; readonly chunks: number };

/**
 * One scripted answer of the fault server. Shorthands: a number is that status with an
 * empty body (`503`), a fault name is that fault (`'hang'`).
 */
export type Step = StatusStep | FaultStep | number | FaultName;

/** What performing a step needs from the server: timers it clears when it closes. */
export interface StepContext {
  later(fn: () => void, ms: number): void;
}

/** The long form of a step. */
export function normalizeStep(step: Step): StatusStep | FaultStep {
  if (typeof step === 'number') return { status: step };
  if (typeof step === 'string') return { fault: step };
  return step;
}

/** Answers `res` as `step` says. */
export function performStep(step: Step, res: ServerResponse, socket: Socket, ctx: StepContext): void {
  const long = normalizeStep(step);
  if ('status' in long) {
    answer(long, res, ctx);
    return;
  }
  switch (long.fault) {
    case 'reset-before-headers':
      socket.resetAndDestroy();
      return;
    case 'reset-after-headers':
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.flushHeaders();
      res.write('{"partial":');
      ctx.later(() => socket.resetAndDestroy(), 5);
      return;
    case 'hang':
      return;
    case 'stall-mid-body':
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"partial":');
      return;
    case 'wrong-length':
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"short":true}');
      ctx.later(() => socket.end(), 5);
      return;
    case 'bad-json':
      answer({ status: 200, body: '<html>502 Bad Gateway</html>' }, res, ctx);
      return;
    case 'trickle': {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[');
      let sent = 0;
      const tick = (): void => {
        if (res.destroyed) return;
        if (sent++ < long.chunks) {
          res.write(sent === 1 ? '0' : ',0');
          ctx.later(tick, long.intervalMs);
        } else res.end(']');
      };
      ctx.later(tick, long.intervalMs);
      return;
    }
    case 'endless': {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const pump = (): void => {
        while (!res.destroyed && res.write(Buffer.alloc(16_384, 97)));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
      return;
    }
  }
}

/** Sends a status step: JSON content type and an exact length unless its headers say otherwise. */
export function answer(step: StatusStep, res: ServerResponse, ctx: StepContext): void {
  const send = (): void => {
    const body = step.json === undefined ? (step.body ?? '') : JSON.stringify(step.json);
    res.writeHead(step.status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      ...step.headers,
    });
    res.end(body);
  };
  if (step.delayMs === undefined) send();
  else ctx.later(send, step.delayMs);
}
