export { type FakeClock, fakeClock } from '../../src/testing/index.js';
