import type { Logger } from 'winston';
import Transport from 'winston-transport';
import { createLogger } from '../../src/signals/logs/createLogger.js';

/** A real winston logger whose JSON lines are kept for assertions. */
export interface CapturedLogs {
  readonly logger: Logger;
  /** Every line, parsed, as winston's json format wrote it. */
  readonly lines: Record<string, unknown>[];
}

class Capture extends Transport {
  constructor(private readonly lines: Record<string, unknown>[]) {
    super();
  }

  override log(info: Record<symbol | string, unknown>, next: () => void): void {
    // The formatted line, as a file or stdout transport would have written it.
    this.lines.push(JSON.parse(String(info[Symbol.for('message')])) as Record<string, unknown>);
    next();
  }
}

export function captureLogs(level = 'debug'): CapturedLogs {
  const lines: Record<string, unknown>[] = [];
  return { logger: createLogger({ level, transports: [new Capture(lines)] }), lines };
}
