/**
 * 6/PPP codec: one decoder per reader (queue backend, worker) and the
 * encoders a queue needs. Pure: no sockets, no timers. Decoders never
 * throw, whatever they are given; they return a typed message or a
 * `ProtocolError` whose `code` is a {@linkcode PppMalformation} name and
 * whose `frame` is the offending frame's index in the input (-1 for the
 * whole message). Command octets and layouts come from `spec.ts`, which
 * this module re-exports.
 *
 * @example Classify what a worker received
 * ```ts
 * import { decodeWorkerMessage, PPP_HEARTBEAT } from "./codec.ts";
 * const m = decodeWorkerMessage([PPP_HEARTBEAT]);
 * if (!(m instanceof Error)) console.log(m.type); // "heartbeat"
 * ```
 *
 * @module
 */
import { ProtocolError } from "../../errors.ts";
import { describe, isFrames } from "../_frames.ts";
import { PppCommand, PppLimits, PppMalformation, PppMessage } from "./spec.ts";

export {
  PPP_SPEC,
  PppCommand,
  PppLimits,
  PppMalformation,
  PppMessage,
  type PppMessageName,
} from "./spec.ts";

/**
 * The READY frame, `[0x01]` (shared; never mutate).
 *
 * @example
 * ```ts
 * import { PPP_READY } from "./codec.ts";
 * console.log([...PPP_READY]); // [ 1 ]
 * ```
 */
export const PPP_READY: Uint8Array = new Uint8Array([PppCommand.READY]);
/**
 * The HEARTBEAT frame, `[0x02]` (shared; never mutate).
 *
 * @example
 * ```ts
 * import { PPP_HEARTBEAT } from "./codec.ts";
 * console.log([...PPP_HEARTBEAT]); // [ 2 ]
 * ```
 */
export const PPP_HEARTBEAT: Uint8Array = new Uint8Array([
  PppCommand.HEARTBEAT,
]);

/**
 * A `ProtocolError` from the 6/PPP codec: `code` names the malformation.
 *
 * @example
 * ```ts
 * import { decodeWorkerMessage, type PppProtocolError } from "./codec.ts";
 * const r = decodeWorkerMessage([]);
 * if (r instanceof Error) { const e: PppProtocolError = r; console.log(e.code); } // "TOO_FEW_FRAMES"
 * ```
 */
export type PppProtocolError = ProtocolError & {
  readonly code: PppMalformation;
};

/**
 * A 6/PPP message as a worker's DEALER receives it from the queue.
 *
 * @example
 * ```ts
 * import { decodeWorkerMessage, type PppWorkerMessage } from "./codec.ts";
 * const te = new TextEncoder();
 * const m = decodeWorkerMessage([te.encode("C1"), new Uint8Array(0), te.encode("17")]);
 * if (!(m instanceof Error) && m.type === "request") console.log(m.body.length); // 1
 * ```
 */
export type PppWorkerMessage =
  | { readonly type: "heartbeat" }
  | {
    readonly type: "request";
    /** The address stack and the empty delimiter, to return unchanged. */
    readonly envelope: Uint8Array[];
    /** The request body, at least one frame. */
    readonly body: Uint8Array[];
  };

/**
 * A 6/PPP message as a queue's backend ROUTER receives it (`worker` is the
 * worker's routing identity, frame 0).
 *
 * @example
 * ```ts
 * import { decodeQueueMessage, PPP_READY } from "./codec.ts";
 * const m = decodeQueueMessage([new Uint8Array([0, 1, 2, 3, 4]), PPP_READY]);
 * if (!(m instanceof Error)) console.log(m.type); // "ready"
 * ```
 */
export type PppQueueMessage =
  | { readonly type: "ready"; readonly worker: Uint8Array }
  | { readonly type: "heartbeat"; readonly worker: Uint8Array }
  | {
    readonly type: "reply";
    readonly worker: Uint8Array;
    /** The client address (exactly one frame at our queue). */
    readonly address: Uint8Array;
    /** The reply body, at least one frame. */
    readonly body: Uint8Array[];
    /** Address, delimiter and body: what the frontend forwards. */
    readonly reply: Uint8Array[];
  };

function fail(code: PppMalformation, frame: number): PppProtocolError {
  return new ProtocolError("PPP", frame, PppMalformation[code], {
    code,
  }) as PppProtocolError;
}

const COMMAND_FRAMES = PppMessage.READY.frames.length;
const REPLY_FRAMES = PppMessage.REPLY.frames.length;
const ADDR_MIN = PppLimits.ADDRESS_MIN_BYTES;
const ADDR_MAX = PppLimits.ADDRESS_MAX_BYTES;
// Module-local copies: V8 reads an imported object's property on every use,
// which costs on a path run once per message.
const COMMAND_BYTES = PppLimits.COMMAND_BYTES;
const { READY, HEARTBEAT } = PppCommand;

/** The command a frame holds, or -1 when it is not one octet of a known command. */
function commandOf(f: Uint8Array): number {
  if (f.length !== COMMAND_BYTES) return -1;
  const c = f[0];
  return c === READY || c === HEARTBEAT ? c : -1;
}

/**
 * Splits a request or reply at its first empty frame into the address
 * envelope (delimiter included) and the body.
 *
 * @param frames The message.
 * @returns The split, or `null` when there is no non-empty address before
 * the delimiter or no body after it.
 * @throws {TypeError} If `frames` is not an array of `Uint8Array`.
 * @example
 * ```ts
 * import { splitEnvelope } from "./codec.ts";
 * const te = new TextEncoder();
 * const s = splitEnvelope([te.encode("C1"), new Uint8Array(0), te.encode("hi")]);
 * console.log(s?.envelope.length, s?.body.length); // 2 1
 * ```
 */
export function splitEnvelope(
  frames: readonly Uint8Array[],
): { envelope: Uint8Array[]; body: Uint8Array[] } | null {
  if (!isFrames(frames)) {
    throw new TypeError(
      `splitEnvelope(): frames must be an array of Uint8Array, got ${
        describe(frames)
      }`,
    );
  }
  const r = request(frames);
  return r instanceof ProtocolError ? null : r;
}

/** The request/reply grammar in a DEALER's view: `[address+][""][body+]`. */
function request(
  f: readonly Uint8Array[],
): { envelope: Uint8Array[]; body: Uint8Array[] } | PppProtocolError {
  const i = f.findIndex((x) => x.length === 0);
  if (i === 0) return fail("BAD_ADDRESS", 0);
  if (i < 0) return fail("MISSING_DELIMITER", -1);
  if (i === f.length - 1) return fail("NO_BODY", -1);
  return { envelope: f.slice(0, i + 1), body: f.slice(i + 1) };
}

/**
 * Decodes a message a 6/PPP worker received from its queue: HEARTBEAT, or a
 * request with its address envelope. READY never goes that way
 * (`WRONG_DIRECTION`). A one-frame message is always a command: a request
 * needs an envelope.
 *
 * @param frames The frames read from the worker's DEALER.
 * @returns The message, or a `ProtocolError` (never throws).
 * @example
 * ```ts
 * import { decodeWorkerMessage } from "./codec.ts";
 * const te = new TextEncoder();
 * const m = decodeWorkerMessage([te.encode("C1"), new Uint8Array(0), te.encode("17")]);
 * if (!(m instanceof Error) && m.type === "request") console.log(new TextDecoder().decode(m.body[0])); // "17"
 * ```
 */
export function decodeWorkerMessage(
  frames: readonly Uint8Array[],
): PppWorkerMessage | PppProtocolError {
  if (!isFrames(frames)) return fail("NOT_FRAMES", -1);
  const n = frames.length;
  if (n === 0) return fail("TOO_FEW_FRAMES", -1);
  if (n === COMMAND_FRAMES) {
    const c = commandOf(frames[0]);
    if (c === HEARTBEAT) return { type: "heartbeat" };
    return c === READY ? fail("WRONG_DIRECTION", 0) : fail("BAD_COMMAND", 0);
  }
  const r = request(frames);
  if (r instanceof ProtocolError) return r;
  return { type: "request", envelope: r.envelope, body: r.body };
}

/**
 * Decodes a message a 6/PPP queue read from its backend ROUTER (frame 0 is
 * the worker's identity): READY, HEARTBEAT or a reply. The Paranoid Pirate
 * queue classifies with the core's `Envelope.classifyPpp()`, which follows
 * the same grammar (the conformance vectors hold both to it).
 *
 * @param frames The frames read from the ROUTER.
 * @returns The message, or a `ProtocolError` (never throws).
 * @example
 * ```ts
 * import { decodeQueueMessage } from "./codec.ts";
 * const m = decodeQueueMessage([new Uint8Array([0, 1, 2, 3, 4]), new Uint8Array([1])]);
 * if (!(m instanceof Error)) console.log(m.type); // "ready"
 * ```
 */
export function decodeQueueMessage(
  frames: readonly Uint8Array[],
): PppQueueMessage | PppProtocolError {
  if (!isFrames(frames)) return fail("NOT_FRAMES", -1);
  const n = frames.length;
  if (n < 1 + COMMAND_FRAMES) return fail("TOO_FEW_FRAMES", -1);
  const worker = frames[0];
  if (n === 1 + COMMAND_FRAMES) {
    const c = commandOf(frames[1]);
    if (c === READY) return { type: "ready", worker };
    if (c === HEARTBEAT) return { type: "heartbeat", worker };
    return fail("BAD_COMMAND", 1);
  }
  const a = frames[1].length;
  if (a < ADDR_MIN || a > ADDR_MAX) return fail("BAD_ADDRESS", 1);
  if (frames[2].length !== 0) return fail("MISSING_DELIMITER", 2);
  if (n < 1 + REPLY_FRAMES) return fail("NO_BODY", -1);
  return {
    type: "reply",
    worker,
    address: frames[1],
    body: frames.slice(3),
    reply: frames.slice(1),
  };
}

/**
 * Encodes a request as a queue writes it to its backend ROUTER.
 *
 * @param worker The worker's identity.
 * @param request The client's message as the frontend read it
 * (`[id(c)][""][body…]`).
 * @returns `[id(w)][id(c)][""][body…]`.
 * @throws {TypeError} If an argument is not bytes.
 * @example
 * ```ts
 * import { encodeRequest } from "./codec.ts";
 * const te = new TextEncoder();
 * const out = encodeRequest(te.encode("W1"), [te.encode("C1"), new Uint8Array(0), te.encode("hi")]);
 * console.log(out.length); // 4
 * ```
 */
export function encodeRequest(
  worker: Uint8Array,
  request: readonly Uint8Array[],
): Uint8Array[] {
  if (!(worker instanceof Uint8Array)) {
    throw new TypeError(
      `encodeRequest(): worker must be a Uint8Array, got ${describe(worker)}`,
    );
  }
  if (!isFrames(request)) {
    throw new TypeError(
      `encodeRequest(): request must be an array of Uint8Array, got ${
        describe(request)
      }`,
    );
  }
  return [worker, ...request];
}
