/**
 * Conformance vectors of 9/TSP: valid and malformed messages, each with the
 * result a decoder must give. One set, used by the codec tests and by the
 * Titanic service tests (which send the malformed ones over the wire and
 * expect 400). Frames are written as strings (UTF-8) or byte arrays.
 *
 * @module
 */
import type { TspMalformation, TspStatus } from "./spec.ts";

/** Which decoder a vector is for. */
export type TspVectorDecoder =
  | "storeRequest"
  | "uuidRequest"
  | "storeResult"
  | "replyResult"
  | "closeResult";

/** One vector. */
export interface TspVector {
  /** What it checks. */
  readonly name: string;
  /** The decoder it is for (server side: `storeRequest`, `uuidRequest`). */
  readonly decoder: TspVectorDecoder;
  /** The MDP body. */
  readonly frames: readonly (string | readonly number[])[];
  /** The expected result: fields of the decoded message, or an error. */
  readonly expect:
    | {
      readonly ok: true;
      readonly status?: TspStatus;
      readonly service?: string;
      readonly bodyFrames?: number;
      readonly uuid?: string;
      readonly text?: string;
    }
    | {
      readonly ok: false;
      readonly code: TspMalformation;
      readonly frame: number;
    };
}

const U = "0123456789ABCDEF0123456789ABCDEF";
const u = U.toLowerCase();

/**
 * The vectors.
 *
 * @example
 * ```ts
 * import { TSP_VECTORS } from "./vectors.ts";
 * console.log(TSP_VECTORS.length > 20); // true
 * ```
 */
export const TSP_VECTORS: readonly TspVector[] = [
  // titanic.request, server side
  {
    name: "request: service and one body frame (the RFC example)",
    decoder: "storeRequest",
    frames: ["echo", "Hello world"],
    expect: { ok: true, service: "echo", bodyFrames: 1 },
  },
  {
    name: "request: several body frames, one empty",
    decoder: "storeRequest",
    frames: ["echo", "a", "", "c"],
    expect: { ok: true, service: "echo", bodyFrames: 3 },
  },
  {
    name: "request: 255-byte service name",
    decoder: "storeRequest",
    frames: ["s".repeat(255), "x"],
    expect: { ok: true, service: "s".repeat(255), bodyFrames: 1 },
  },
  {
    name: "request: UTF-8 service name",
    decoder: "storeRequest",
    frames: ["échos", "x"],
    expect: { ok: true, service: "échos", bodyFrames: 1 },
  },
  {
    name: "request: no frames",
    decoder: "storeRequest",
    frames: [],
    expect: { ok: false, code: "EMPTY", frame: -1 },
  },
  {
    name: "request: no body (the poison message that kills the C broker)",
    decoder: "storeRequest",
    frames: ["echo"],
    expect: { ok: false, code: "NO_BODY", frame: 1 },
  },
  {
    name: "request: empty service name",
    decoder: "storeRequest",
    frames: ["", "x"],
    expect: { ok: false, code: "BAD_SERVICE", frame: 0 },
  },
  {
    name: "request: 256-byte service name",
    decoder: "storeRequest",
    frames: ["s".repeat(256), "x"],
    expect: { ok: false, code: "BAD_SERVICE", frame: 0 },
  },
  {
    name: "request: control character in the service name",
    decoder: "storeRequest",
    frames: [[0x65, 0x0a, 0x68], "x"],
    expect: { ok: false, code: "BAD_SERVICE", frame: 0 },
  },
  {
    name: "request: service name not UTF-8",
    decoder: "storeRequest",
    frames: [[0x65, 0xff, 0xfe], "x"],
    expect: { ok: false, code: "BAD_SERVICE", frame: 0 },
  },
  // titanic.reply / titanic.close, server side
  {
    name: "uuid: upper case",
    decoder: "uuidRequest",
    frames: [U],
    expect: { ok: true, uuid: U },
  },
  {
    name: "uuid: lower case is normalized",
    decoder: "uuidRequest",
    frames: [u],
    expect: { ok: true, uuid: U },
  },
  {
    name: "uuid: path traversal",
    decoder: "uuidRequest",
    frames: ["../../../../../../etc/passwd"],
    expect: { ok: false, code: "BAD_UUID", frame: 0 },
  },
  {
    name: "uuid: 32 characters with a slash",
    decoder: "uuidRequest",
    frames: ["0123456789ABCDEF0123456789ABCD/."],
    expect: { ok: false, code: "BAD_UUID", frame: 0 },
  },
  {
    name: "uuid: dashed RFC 4122 form",
    decoder: "uuidRequest",
    frames: ["01234567-89ab-cdef-0123-456789abcdef"],
    expect: { ok: false, code: "BAD_UUID", frame: 0 },
  },
  {
    name: "uuid: 31 characters",
    decoder: "uuidRequest",
    frames: [U.slice(1)],
    expect: { ok: false, code: "BAD_UUID", frame: 0 },
  },
  {
    name: "uuid: 33 characters",
    decoder: "uuidRequest",
    frames: [U + "0"],
    expect: { ok: false, code: "BAD_UUID", frame: 0 },
  },
  {
    name: "uuid: G is not hex",
    decoder: "uuidRequest",
    frames: ["G123456789ABCDEF0123456789ABCDEF"],
    expect: { ok: false, code: "BAD_UUID", frame: 0 },
  },
  {
    name: "uuid: NUL bytes",
    decoder: "uuidRequest",
    frames: [new Array(32).fill(0)],
    expect: { ok: false, code: "BAD_UUID", frame: 0 },
  },
  {
    name: "uuid: empty frame",
    decoder: "uuidRequest",
    frames: [""],
    expect: { ok: false, code: "BAD_UUID", frame: 0 },
  },
  {
    name: "uuid: no frames",
    decoder: "uuidRequest",
    frames: [],
    expect: { ok: false, code: "EMPTY", frame: -1 },
  },
  {
    name: "uuid: a frame after the UUID",
    decoder: "uuidRequest",
    frames: [U, "x"],
    expect: { ok: false, code: "EXTRA_FRAMES", frame: 1 },
  },
  // replies, client side
  {
    name: "store result: 200 and UUID",
    decoder: "storeResult",
    frames: ["200", U],
    expect: { ok: true, status: "200", uuid: U },
  },
  {
    name: "store result: 500 with a reason frame",
    decoder: "storeResult",
    frames: ["500", "disk full"],
    expect: { ok: true, status: "500", text: "disk full" },
  },
  {
    name: "store result: 400 with text in the status frame",
    decoder: "storeResult",
    frames: ["400 no body"],
    expect: { ok: true, status: "400", text: "no body" },
  },
  {
    name: "store result: 200 without UUID",
    decoder: "storeResult",
    frames: ["200"],
    expect: { ok: false, code: "MISSING_UUID", frame: 1 },
  },
  {
    name: "store result: 200 with a bad UUID",
    decoder: "storeResult",
    frames: ["200", "../x"],
    expect: { ok: false, code: "MISSING_UUID", frame: 1 },
  },
  {
    name: "reply result: 200 and the reply",
    decoder: "replyResult",
    frames: ["200", "Hello world", "more"],
    expect: { ok: true, status: "200", bodyFrames: 2 },
  },
  {
    name: "reply result: 200 and an empty reply",
    decoder: "replyResult",
    frames: ["200"],
    expect: { ok: true, status: "200", bodyFrames: 0 },
  },
  {
    name: "reply result: 300 pending",
    decoder: "replyResult",
    frames: ["300"],
    expect: { ok: true, status: "300", text: "" },
  },
  {
    name: "reply result: 400 unknown",
    decoder: "replyResult",
    frames: ["400"],
    expect: { ok: true, status: "400", text: "" },
  },
  {
    name: "reply result: 404 is MMI's, not TSP's",
    decoder: "replyResult",
    frames: ["404"],
    expect: { ok: false, code: "UNDEFINED_STATUS", frame: 0 },
  },
  {
    name: "reply result: status not digits",
    decoder: "replyResult",
    frames: ["OK"],
    expect: { ok: false, code: "BAD_STATUS", frame: 0 },
  },
  {
    name: "reply result: digits run on without a space",
    decoder: "replyResult",
    frames: ["2000"],
    expect: { ok: false, code: "BAD_STATUS", frame: 0 },
  },
  {
    name: "reply result: no frames",
    decoder: "replyResult",
    frames: [],
    expect: { ok: false, code: "EMPTY", frame: -1 },
  },
  {
    name: "close result: 200",
    decoder: "closeResult",
    frames: ["200"],
    expect: { ok: true, status: "200", text: "" },
  },
  {
    name: "close result: 999",
    decoder: "closeResult",
    frames: ["999"],
    expect: { ok: false, code: "UNDEFINED_STATUS", frame: 0 },
  },
];

/**
 * Turns a vector's frames into bytes.
 *
 * @param frames The vector's frames.
 * @returns One `Uint8Array` per frame.
 * @example
 * ```ts
 * import { vectorFrames } from "./vectors.ts";
 * console.log(vectorFrames(["ab", [1, 2, 3]]).map((f) => f.length)); // [2, 3]
 * ```
 */
export function vectorFrames(
  frames: readonly (string | readonly number[])[],
): Uint8Array[] {
  const te = new TextEncoder();
  return frames.map((f) =>
    typeof f === "string" ? te.encode(f) : new Uint8Array(f)
  );
}
