/**
 * The reliable-zmq extension of 7/MDP ("RZ", docs/MDP_EXTENSIONS.md): the
 * frames an RZ client, an RZ broker and an RZ worker add to plain 7/MDP
 * bodies, and the `mmi.rz` service that tells an RZ broker from any other.
 *
 * | Frame | Bytes | Where |
 * |---|---|---|
 * | CORR | `FF 52 5A 43` + id (8 bytes, big-endian) | first body frame of an RZ client's request, and of the broker's reply to it |
 * | ERR | `FF 52 5A 45` + id (8 bytes), then `[code][text]` | broker → RZ client: the request failed (`500`, `502`, `503`, `504`) |
 * | WERR | `FF 52 5A 57` (4 bytes), then `[message]` | RZ worker → RZ broker: the handler failed |
 *
 * A foreign client or worker never sees any of these: the broker takes the
 * CORR frame off before dispatch and answers foreign clients in plain
 * 7/MDP; workers send WERR only to a broker that answered `mmi.rz`.
 *
 * @module
 */

/**
 * Length of a correlation (CORR) or error (ERR) frame in bytes.
 *
 * @example
 * ```ts
 * import { CORRELATION_FRAME_BYTES, correlationFrame } from "@reliable/zmq/majordomo";
 * console.log(correlationFrame(1).length === CORRELATION_FRAME_BYTES); // true
 * ```
 */
export const CORRELATION_FRAME_BYTES = 12;
const CORR_MAGIC = [0xff, 0x52, 0x5a, 0x43] as const; // "\xffRZC"
const ERR_MAGIC = [0xff, 0x52, 0x5a, 0x45] as const; // "\xffRZE"
const WERR_MAGIC = [0xff, 0x52, 0x5a, 0x57] as const; // "\xffRZW"

/**
 * The MMI service only a reliable-zmq broker answers: `["200", json]`
 * with {@linkcode RzBrokerInfo}; other brokers answer `"501"`.
 *
 * @example
 * ```ts
 * import { MMI_RZ } from "@reliable/zmq/majordomo";
 * console.log(MMI_RZ); // "mmi.rz"
 * ```
 */
export const MMI_RZ = "mmi.rz";

/**
 * The error codes of an ERR reply.
 *
 * @example
 * ```ts
 * import { RzErrorCode } from "@reliable/zmq/majordomo";
 * console.log(RzErrorCode.EXPIRED); // "504"
 * ```
 */
export const RzErrorCode = {
  /** The worker's handler failed; the text is its message. */
  HANDLER_FAILED: "500",
  /** The worker holding the request died or disconnected; retry. */
  WORKER_LOST: "502",
  /** Dropped at one of the broker's bounds. */
  REJECTED: "503",
  /** Expired in the broker's queue after its `requestTtlMs`. */
  EXPIRED: "504",
} as const;
/** One of the {@linkcode RzErrorCode} values. */
export type RzErrorCode = typeof RzErrorCode[keyof typeof RzErrorCode];

function idFrame(magic: readonly number[], id: number, what: string) {
  if (!Number.isSafeInteger(id) || id < 0) {
    throw new RangeError(
      `${what}: id must be a non-negative safe integer, got ${id}`,
    );
  }
  // Written byte by byte (big-endian): no DataView per frame.
  const f = new Uint8Array(CORRELATION_FRAME_BYTES);
  f[0] = magic[0];
  f[1] = magic[1];
  f[2] = magic[2];
  f[3] = magic[3];
  const hi = Math.floor(id / 0x100000000);
  const lo = id >>> 0;
  f[4] = hi >>> 24;
  f[5] = (hi >>> 16) & 0xff;
  f[6] = (hi >>> 8) & 0xff;
  f[7] = hi & 0xff;
  f[8] = lo >>> 24;
  f[9] = (lo >>> 16) & 0xff;
  f[10] = (lo >>> 8) & 0xff;
  f[11] = lo & 0xff;
  return f;
}

function readId(magic: readonly number[], frame: unknown): number {
  if (
    !(frame instanceof Uint8Array) || frame.length !== CORRELATION_FRAME_BYTES
  ) return -1;
  if (
    frame[0] !== magic[0] || frame[1] !== magic[1] || frame[2] !== magic[2] ||
    frame[3] !== magic[3]
  ) return -1;
  const hi = ((frame[4] << 24) | (frame[5] << 16) | (frame[6] << 8) |
    frame[7]) >>> 0;
  if (hi > 0x1fffff) return -1; // beyond 2^53: never one of ours
  const lo = ((frame[8] << 24) | (frame[9] << 16) | (frame[10] << 8) |
    frame[11]) >>> 0;
  return hi * 0x100000000 + lo;
}

/**
 * Builds the correlation (CORR) frame for a request number.
 *
 * @param id The request number, a non-negative safe integer.
 * @returns A new 12-byte frame.
 * @throws {RangeError} When `id` is not a non-negative safe integer.
 * @example
 * ```ts
 * import { correlationFrame, readCorrelationId } from "@reliable/zmq/majordomo";
 * console.log(readCorrelationId(correlationFrame(42))); // 42
 * ```
 */
export function correlationFrame(id: number): Uint8Array {
  return idFrame(CORR_MAGIC, id, "correlationFrame()");
}

/**
 * Reads the request number from a correlation (CORR) frame.
 *
 * @param frame Any frame.
 * @returns The request number, or -1 when `frame` is not a CORR frame.
 * @example
 * ```ts
 * import { readCorrelationId } from "@reliable/zmq/majordomo";
 * console.log(readCorrelationId(new TextEncoder().encode("hello"))); // -1
 * ```
 */
export function readCorrelationId(frame: Uint8Array | undefined): number {
  return readId(CORR_MAGIC, frame);
}

/**
 * Builds the error (ERR) frame for a request number (broker side).
 *
 * @param id The request number of the request that failed.
 * @returns A new 12-byte frame.
 * @throws {RangeError} When `id` is not a non-negative safe integer.
 * @example
 * ```ts
 * import { errorFrame, readErrorId } from "@reliable/zmq/majordomo";
 * console.log(readErrorId(errorFrame(7))); // 7
 * ```
 */
export function errorFrame(id: number): Uint8Array {
  return idFrame(ERR_MAGIC, id, "errorFrame()");
}

/**
 * Reads the request number from an error (ERR) frame.
 *
 * @param frame Any frame.
 * @returns The request number, or -1 when `frame` is not an ERR frame.
 * @example
 * ```ts
 * import { correlationFrame, readErrorId } from "@reliable/zmq/majordomo";
 * console.log(readErrorId(correlationFrame(7))); // -1
 * ```
 */
export function readErrorId(frame: Uint8Array | undefined): number {
  return readId(ERR_MAGIC, frame);
}

/**
 * The 4-byte frame an RZ worker puts first in a REPLY whose handler failed
 * (`[WERR][message]`); a new copy each call.
 *
 * @returns `FF 52 5A 57`.
 * @example
 * ```ts
 * import { isWorkerErrorFrame, workerErrorFrame } from "@reliable/zmq/majordomo";
 * console.log(isWorkerErrorFrame(workerErrorFrame())); // true
 * ```
 */
export function workerErrorFrame(): Uint8Array {
  return Uint8Array.from(WERR_MAGIC);
}

/**
 * Tells whether a frame is the worker error (WERR) frame.
 *
 * @param frame Any frame.
 * @returns Whether it is exactly `FF 52 5A 57`.
 * @example
 * ```ts
 * import { isWorkerErrorFrame } from "@reliable/zmq/majordomo";
 * console.log(isWorkerErrorFrame(new Uint8Array([0xff]))); // false
 * ```
 */
export function isWorkerErrorFrame(frame: Uint8Array | undefined): boolean {
  if (!(frame instanceof Uint8Array) || frame.length !== 4) return false;
  for (let i = 0; i < 4; i++) if (frame[i] !== WERR_MAGIC[i]) return false;
  return true;
}

/**
 * What a reply body means to an RZ client.
 *
 * @example
 * ```ts
 * import { type RzReply, classifyRzReply, correlationFrame } from "@reliable/zmq/majordomo";
 * const r: RzReply = classifyRzReply([correlationFrame(3), new Uint8Array([1])]);
 * console.log(r.kind); // "reply"
 * ```
 */
export type RzReply =
  | {
    /** An answer: the body after the CORR frame. */
    readonly kind: "reply";
    /** The request number. */
    readonly id: number;
    /** The worker's reply body. */
    readonly body: Uint8Array[];
  }
  | {
    /** An error reply from the broker. */
    readonly kind: "error";
    /** The request number. */
    readonly id: number;
    /** The three-digit code (see {@linkcode RzErrorCode}). */
    readonly code: string;
    /** The text that came with it. */
    readonly text: string;
  }
  | {
    /** Neither: a plain 7/MDP body (or a malformed one). */
    readonly kind: "plain";
  };

const td = new TextDecoder();
const te = new TextEncoder();

/**
 * Reads a reply body as an RZ client sees it.
 *
 * @param body The reply body (after `MDPC01` and the service frame).
 * @returns A reply with its id, an error with its id, code and text, or
 * `plain`. An ERR frame without a three-digit code is `plain` (malformed).
 * @example
 * ```ts
 * import { classifyRzReply, errorFrame } from "@reliable/zmq/majordomo";
 * const te = new TextEncoder();
 * const r = classifyRzReply([errorFrame(9), te.encode("503"), te.encode("queue full")]);
 * console.log(r.kind === "error" && r.code); // "503"
 * ```
 */
export function classifyRzReply(body: readonly Uint8Array[]): RzReply {
  const first = body[0];
  if (!(first instanceof Uint8Array) || first.length !== 12) {
    return { kind: "plain" };
  }
  const id = readCorrelationId(first);
  if (id >= 0) return { kind: "reply", id, body: body.slice(1) };
  const eid = readErrorId(first);
  if (eid < 0) return { kind: "plain" };
  const code = body[1];
  if (
    !(code instanceof Uint8Array) || code.length !== 3 ||
    !code.every((b) => b >= 0x30 && b <= 0x39)
  ) return { kind: "plain" };
  const text = body[2] instanceof Uint8Array ? td.decode(body[2]) : "";
  return { kind: "error", id: eid, code: td.decode(code), text };
}

/**
 * What an RZ broker says about itself in its `mmi.rz` reply.
 *
 * @example
 * ```ts
 * import { parseRzInfo, type RzBrokerInfo } from "@reliable/zmq/majordomo";
 * const te = new TextEncoder();
 * const info: RzBrokerInfo | null = parseRzInfo([te.encode("200"), te.encode('{"name":"reliable-zmq","instance":"a1"}')]);
 * console.log(info?.instance); // "a1"
 * ```
 */
export interface RzBrokerInfo {
  /** Always `"reliable-zmq"`. */
  readonly name: string;
  /** The broker's version. */
  readonly version: string;
  /** A random id per broker start: a new one means the broker restarted. */
  readonly instance: string;
  /** The extensions it implements. */
  readonly extensions: readonly string[];
  /** Largest frame it accepts, in bytes (`Infinity` when not advertised). */
  readonly maxFrameBytes: number;
}

/**
 * Reads an `mmi.rz` reply body.
 *
 * @param body The reply body.
 * @returns The broker's info when it is a reliable-zmq broker (`"200"` and
 * a JSON object naming `reliable-zmq` with an `instance`), else `null`
 * (any other broker: `"501"`, or anything else).
 * @example
 * ```ts
 * import { parseRzInfo } from "@reliable/zmq/majordomo";
 * console.log(parseRzInfo([new TextEncoder().encode("501")])); // null
 * ```
 */
export function parseRzInfo(body: readonly Uint8Array[]): RzBrokerInfo | null {
  if (body.length < 2 || td.decode(body[0]) !== "200") return null;
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(td.decode(body[1]));
  } catch {
    return null;
  }
  if (
    j === null || typeof j !== "object" || j.name !== "reliable-zmq" ||
    (typeof j.instance !== "string" && typeof j.instance !== "number")
  ) return null;
  const max = j.maxFrameBytes;
  return {
    name: "reliable-zmq",
    version: typeof j.version === "string" ? j.version : String(j.version),
    instance: String(j.instance),
    extensions: Array.isArray(j.extensions)
      ? j.extensions.filter((x): x is string => typeof x === "string")
      : [],
    maxFrameBytes: typeof max === "number" && max > 0 ? max : Infinity,
  };
}

/**
 * The request body of an `mmi.rz` probe (the body is not read by the
 * broker; 7/MDP needs one frame).
 *
 * @returns A new body.
 * @example
 * ```ts
 * import { rzProbeBody } from "@reliable/zmq/majordomo";
 * console.log(rzProbeBody().length); // 1
 * ```
 */
export function rzProbeBody(): Uint8Array[] {
  return [te.encode("rz")];
}
