// Imported by test files whose clients log through the process-wide default logger:
// their lines would only clutter the test report. Tests about logs pass their own logger.
import { DiscardTransport } from './brokenTelemetry.js';
import { useDefaultLogger } from '../../src/signals/defaultLogger.js';
import { createLogger } from '../../src/signals/logs/createLogger.js';

useDefaultLogger(createLogger({ transports: [new DiscardTransport()] }));
