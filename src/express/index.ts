/**
 * `faultline/express`: answer your own callers well, and carry their deadlines through.
 * Loaded only by those who import it; `import 'faultline'` never touches Express.
 */
export { deadlines } from './deadlines.js';
export { problemResponses } from './problemResponses.js';
export type { DeadlineOptions } from '../service/DeadlineOptions.js';
export type { ErrorClass, ProblemMapping, ProblemOptions, ProblemRule } from '../service/ProblemOptions.js';
export { DEFAULT_PROBLEM_STATUS } from '../service/defaultProblems.js';
