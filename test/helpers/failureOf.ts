import assert from 'node:assert/strict';
import { isRequestFailure, type RequestFailure } from '../../src/index.js';

/** Runs `fn`, expecting it to reject with a RequestFailure; returns it. */
export async function failureOf(fn: () => Promise<unknown>): Promise<RequestFailure> {
  try {
    await fn();
  } catch (error) {
    assert.ok(isRequestFailure(error), `expected a RequestFailure, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the call to fail');
}
