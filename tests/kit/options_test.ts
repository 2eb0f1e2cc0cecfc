import assert from "node:assert/strict";
import {
  attemptWithinDeadline,
  bool,
  count,
  durationMs,
  frames,
  logger,
  oneOf,
  readOptions,
} from "../../src/_util/options.ts";

interface Opts {
  deadlineMs?: number;
  attemptTimeoutMs?: number;
  logger?: unknown;
}
const KNOWN = ["deadlineMs", "attemptTimeoutMs", "logger"] as const;

Deno.test("readOptions refuses unknown keys and suggests the nearest", () => {
  assert.deepEqual(readOptions<Opts>("X", undefined, [...KNOWN]), {});
  assert.throws(
    () => readOptions<Opts>("X.connect()", { timeout: 5 } as Opts, [...KNOWN]),
    (e: Error) =>
      e instanceof TypeError && /unknown option "timeout"/.test(e.message) &&
      /did you mean "attemptTimeoutMs"/.test(e.message) &&
      /known options: deadlineMs, attemptTimeoutMs, logger/.test(e.message),
  );
  assert.throws(
    () => readOptions<Opts>("X", { deadlinems: 5 } as Opts, [...KNOWN]),
    /did you mean "deadlineMs"/,
  );
  assert.throws(() => readOptions("X", 5 as never, []), /got 5/);
  assert.throws(() => readOptions("X", null as never, []), /got null/);
  assert.throws(() => readOptions("X", [] as never, []), /got an array/);
});

Deno.test("durationMs: finite, within timer range, Infinity only where allowed", () => {
  assert.equal(durationMs("X", "d", undefined, 7), 7);
  assert.equal(durationMs("X", "d", 0, 7), 0);
  assert.equal(durationMs("X", "d", 2 ** 31 - 1, 7), 2 ** 31 - 1);
  for (const bad of [2 ** 31, Infinity, -1, NaN, -Infinity]) {
    assert.throws(() => durationMs("X", "deadlineMs", bad, 7), RangeError);
  }
  assert.throws(() => durationMs("X", "d", "5", 7), TypeError);
  assert.equal(durationMs("X", "d", Infinity, 7, { infinity: true }), Infinity);
  assert.throws(
    () => durationMs("X", "d", 5, 7, { min: 10 }),
    /between 10 and 2147483647 ms, got 5/,
  );
});

Deno.test("count, bool, oneOf, logger, attemptWithinDeadline", () => {
  assert.equal(count("X", "n", undefined, 3), 3);
  assert.throws(() => count("X", "n", 1.5, 3), RangeError);
  assert.throws(() => count("X", "n", 0, 3), RangeError);
  assert.throws(() => count("X", "n", "1", 3), TypeError);
  assert.equal(bool("X", "b", undefined, true), true);
  assert.throws(() => bool("X", "b", 1, true), TypeError);
  assert.equal(oneOf("X", "c", "ts", ["ts", "wasm"], "wasm"), "ts");
  assert.throws(
    () => oneOf("X", "c", "asm", ["ts", "wasm"], "wasm"),
    /"ts", "wasm"/,
  );
  assert.throws(() => logger("X", {}, "x"), TypeError);
  assert.equal(typeof logger("X", undefined, "x").warn, "function");
  assert.throws(() => attemptWithinDeadline("X", 11, 10), RangeError);
  attemptWithinDeadline("X", 10, 10);
});

Deno.test("frames: names the argument, the index and the type; enforces a size limit", () => {
  assert.deepEqual(frames("M.request()", "body", ["a", new Uint8Array(2)]), [
    "a",
    new Uint8Array(2),
  ]);
  assert.throws(
    () => frames("M.request()", "body", [42]),
    /M\.request\(\): body\[0\] must be a Uint8Array or a string, got 42/,
  );
  assert.throws(() => frames("M.request()", "body", []), TypeError);
  assert.throws(() => frames("M.request()", "body", "abc"), TypeError);
  assert.throws(
    () => frames("M.request()", "body", [new Uint8Array(11)], 10),
    /body\[0\] is 11 bytes, over the limit of 10 bytes/,
  );
  assert.throws(
    () => frames("M.request()", "body", ["é".repeat(6)], 10),
    RangeError,
  );
  frames("M.request()", "body", ["é".repeat(5)], 10);
});
