/**
 * The one assertion module of the test suite. It re-exports
 * `node:assert/strict` today; moving to `@std/assert` later touches only
 * this file.
 * @module
 */
export {
  deepEqual,
  deepEqual as assertEquals,
  equal,
  fail,
  match,
  notEqual,
  ok,
  ok as assert,
  rejects,
  rejects as assertRejects,
  strictEqual,
  throws,
  throws as assertThrows,
} from "node:assert/strict";
