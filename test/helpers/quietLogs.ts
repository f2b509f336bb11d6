// Imported by test files whose clients log through the process-wide default logger:
// their lines would only clutter the test report. Tests about logs pass their own logger.
import Transport from 'winston-transport';
import { useDefaultLogger } from '../../src/signals/defaultLogger.js';
import { createLogger } from '../../src/signals/logs/createLogger.js';

class Discard extends Transport {
  override log(_info: unknown, next: () => void): void {
    next();
  }
}

useDefaultLogger(createLogger({ transports: [new Discard()] }));
