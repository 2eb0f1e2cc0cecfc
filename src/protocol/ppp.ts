/**
 * 6/PPP, the Paranoid Pirate Protocol (rfc.zeromq.org/spec/6), as a pure
 * codec: bytes in, typed messages out, no sockets, no timers.
 *
 * | Message | Worker DEALER view | Queue backend ROUTER view |
 * |---|---|---|
 * | READY W→Q | `[0x01]` | `[id(w)][0x01]` |
 * | HEARTBEAT W↔Q | `[0x02]` | `[id(w)][0x02]` |
 * | REQUEST Q→W | `[id(c)…][""][body…]` | queue writes `[id(w)][id(c)…][""][body…]` |
 * | REPLY W→Q | `[id(c)…][""][reply…]` | `[id(w)][id(c)…][""][reply…]` |
 *
 * READY and HEARTBEAT are one frame of exactly one octet. Anything else of
 * one frame is invalid (dropped, and not counted as liveness). A request or
 * reply carries an address stack, an empty delimiter and at least one body
 * frame. The guide's Simple Pirate queue uses the same READY octet behind a
 * REQ delimiter.
 *
 * @example Classify what a worker received
 * ```ts
 * import { decodeWorkerMessage, PppCommand } from "./ppp.ts";
 * const m = decodeWorkerMessage([new Uint8Array([PppCommand.HEARTBEAT])]);
 * console.log(m.kind); // "heartbeat"
 * ```
 *
 * @module
 */

/** The 6/PPP command octets. */
export const PppCommand = {
  /** Worker is ready for work (first message of a conversation). */
  READY: 0x01,
  /** Either side is alive. */
  HEARTBEAT: 0x02,
} as const;
/** One of the {@linkcode PppCommand} octets. */
export type PppCommand = typeof PppCommand[keyof typeof PppCommand];

/** The READY frame, `[0x01]`. */
export const PPP_READY: Uint8Array = new Uint8Array([PppCommand.READY]);
/** The HEARTBEAT frame, `[0x02]`. */
export const PPP_HEARTBEAT: Uint8Array = new Uint8Array([
  PppCommand.HEARTBEAT,
]);

/** A decoded 6/PPP message as seen by a worker (DEALER view). */
export type PppWorkerMessage =
  | { readonly kind: "heartbeat" }
  | {
    readonly kind: "request";
    /** The address stack and the empty delimiter, to return unchanged. */
    readonly envelope: Uint8Array[];
    /** The request body, at least one frame. */
    readonly body: Uint8Array[];
  }
  | { readonly kind: "invalid"; readonly reason: string };

/** A decoded 6/PPP message as seen by a queue's backend (ROUTER view). */
export type PppQueueMessage =
  | { readonly kind: "ready"; readonly worker: Uint8Array }
  | { readonly kind: "heartbeat"; readonly worker: Uint8Array }
  | {
    readonly kind: "reply";
    readonly worker: Uint8Array;
    /** Client address stack, delimiter and reply body. */
    readonly reply: Uint8Array[];
  }
  | { readonly kind: "invalid"; readonly reason: string };

function isCommand(frame: Uint8Array, cmd: number): boolean {
  return frame.length === 1 && frame[0] === cmd;
}

function checkMessage(fn: string, frames: unknown): Uint8Array[] {
  if (!Array.isArray(frames)) {
    throw new TypeError(`${fn}(): expected an array of Uint8Array frames`);
  }
  for (const f of frames) {
    if (!(f instanceof Uint8Array)) {
      throw new TypeError(`${fn}(): every frame must be a Uint8Array`);
    }
  }
  return frames as Uint8Array[];
}

/**
 * Splits a request or reply at its first empty frame into the address
 * envelope (delimiter included) and the body.
 *
 * @param frames The message.
 * @returns The split, or `null` when there is no non-empty address before
 * the delimiter or no body after it.
 * @throws {TypeError} If `frames` is not an array of `Uint8Array`.
 *
 * @example
 * ```ts
 * import { splitEnvelope } from "./ppp.ts";
 * const te = new TextEncoder();
 * const s = splitEnvelope([te.encode("C1"), new Uint8Array(0), te.encode("hi")]);
 * console.log(s?.envelope.length, s?.body.length); // 2 1
 * ```
 */
export function splitEnvelope(
  frames: readonly Uint8Array[],
): { envelope: Uint8Array[]; body: Uint8Array[] } | null {
  const f = checkMessage("splitEnvelope", frames);
  const i = f.findIndex((x) => x.length === 0);
  if (i < 1 || i === f.length - 1) return null;
  return { envelope: f.slice(0, i + 1), body: f.slice(i + 1) };
}

/**
 * Decodes a message a 6/PPP worker received from its queue.
 *
 * @param frames The frames read from the worker's DEALER.
 * @returns A heartbeat, a request (envelope plus body) or an invalid message
 * with the reason.
 * @throws {TypeError} If `frames` is not an array of `Uint8Array`.
 *
 * @example
 * ```ts
 * import { decodeWorkerMessage } from "./ppp.ts";
 * const te = new TextEncoder();
 * const m = decodeWorkerMessage([te.encode("C1"), new Uint8Array(0), te.encode("17")]);
 * if (m.kind === "request") console.log(new TextDecoder().decode(m.body[0])); // "17"
 * ```
 */
export function decodeWorkerMessage(
  frames: readonly Uint8Array[],
): PppWorkerMessage {
  const f = checkMessage("decodeWorkerMessage", frames);
  if (f.length === 0) return { kind: "invalid", reason: "empty message" };
  if (f.length === 1) {
    if (isCommand(f[0], PppCommand.HEARTBEAT)) return { kind: "heartbeat" };
    return {
      kind: "invalid",
      reason: "a one-frame message must be HEARTBEAT (0x02)",
    };
  }
  const s = splitEnvelope(f);
  if (s === null) {
    return {
      kind: "invalid",
      reason: "a request needs an address, an empty delimiter and a body",
    };
  }
  return { kind: "request", envelope: s.envelope, body: s.body };
}

/**
 * Decodes a message a 6/PPP queue read from its backend ROUTER (frame 0 is
 * the worker identity). The Paranoid Pirate queue itself classifies with the
 * core's `Envelope.classifyPpp()`, which follows the same rules; this is the
 * readable reference.
 *
 * @param frames The frames read from the ROUTER.
 * @returns READY, HEARTBEAT, a reply or an invalid message.
 * @throws {TypeError} If `frames` is not an array of `Uint8Array`.
 *
 * @example
 * ```ts
 * import { decodeQueueMessage } from "./ppp.ts";
 * const m = decodeQueueMessage([new Uint8Array([0, 1, 2, 3, 4]), new Uint8Array([1])]);
 * console.log(m.kind); // "ready"
 * ```
 */
export function decodeQueueMessage(
  frames: readonly Uint8Array[],
): PppQueueMessage {
  const f = checkMessage("decodeQueueMessage", frames);
  if (f.length < 2) return { kind: "invalid", reason: "too few frames" };
  const worker = f[0];
  if (f.length === 2) {
    if (isCommand(f[1], PppCommand.READY)) return { kind: "ready", worker };
    if (isCommand(f[1], PppCommand.HEARTBEAT)) {
      return { kind: "heartbeat", worker };
    }
    return { kind: "invalid", reason: "unknown command" };
  }
  if (f[1].length === 0 || f[1].length > 255) {
    return { kind: "invalid", reason: "bad client address" };
  }
  if (f[2].length !== 0) {
    return { kind: "invalid", reason: "missing empty delimiter" };
  }
  if (f.length < 4) return { kind: "invalid", reason: "reply has no body" };
  return { kind: "reply", worker, reply: f.slice(1) };
}

/**
 * Encodes a request as a queue writes it to its backend ROUTER.
 *
 * @param worker The worker's identity.
 * @param request The client's message as the frontend read it
 * (`[id(c)][""][body…]`).
 * @returns `[id(w)][id(c)][""][body…]`.
 * @throws {TypeError} If an argument is not bytes.
 *
 * @example
 * ```ts
 * import { encodeRequest } from "./ppp.ts";
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
    throw new TypeError("encodeRequest(): worker must be a Uint8Array");
  }
  return [worker, ...checkMessage("encodeRequest", request)];
}
