// The kit's winston capture (faultline/testing), under the name the suites use.
export { type CapturedLogs, captureLogs } from '../../src/testing/index.js';
