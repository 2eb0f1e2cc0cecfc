/**
 * 10/FLP codec: one decoder per reader (server, client; both ROUTER views,
 * frame 0 is the sender's routing identity) and the encoders both sides
 * need. Pure: no sockets, no timers. Decoders never throw, whatever they
 * are given; they return a typed message or a `ProtocolError` whose `code`
 * is a {@linkcode FlpMalformation} name and whose `frame` is the offending
 * frame's index in the input (-1 for the whole message). Commands, limits
 * and layouts come from `spec.ts`, which this module re-exports.
 *
 * @example Classify what a server received
 * ```ts
 * import { decodeServerInbound } from "./codec.ts";
 * const te = new TextEncoder();
 * const m = decodeServerInbound([te.encode("C1"), te.encode("PING")]);
 * if (!(m instanceof Error)) console.log(m.type); // "ping"
 * ```
 *
 * @module
 */
import { ProtocolError } from "../../errors.ts";
import { ascii, describe, frameArg, isFrames } from "../_frames.ts";
import { FlpCommand, FlpLimits, FlpMalformation, FlpMessage } from "./spec.ts";

export {
  FLP_SPEC,
  FlpCommand,
  FlpLimits,
  FlpMalformation,
  FlpMessage,
  type FlpMessageName,
} from "./spec.ts";

/**
 * The PING frame, `"PING"` (shared; never mutate).
 *
 * @example
 * ```ts
 * import { FLP_PING } from "./codec.ts";
 * console.log(new TextDecoder().decode(FLP_PING)); // "PING"
 * ```
 */
export const FLP_PING: Uint8Array = ascii(FlpCommand.PING);
/**
 * The PONG frame, `"PONG"` (shared; never mutate).
 *
 * @example
 * ```ts
 * import { FLP_PONG } from "./codec.ts";
 * console.log(FLP_PONG.length); // 4
 * ```
 */
export const FLP_PONG: Uint8Array = ascii(FlpCommand.PONG);

/**
 * A `ProtocolError` from the 10/FLP codec: `code` names the malformation.
 *
 * @example
 * ```ts
 * import { decodeServerInbound, type FlpProtocolError } from "./codec.ts";
 * const r = decodeServerInbound([]);
 * if (r instanceof Error) { const e: FlpProtocolError = r; console.log(e.code); } // "TOO_FEW_FRAMES"
 * ```
 */
export type FlpProtocolError = ProtocolError & {
  readonly code: FlpMalformation;
};

/**
 * A 10/FLP message as a server's ROUTER receives it.
 *
 * @example
 * ```ts
 * import { decodeServerInbound, type FlpServerMessage } from "./codec.ts";
 * const te = new TextEncoder();
 * const m = decodeServerInbound([te.encode("C1"), te.encode("7"), te.encode("hi")]);
 * if (!(m instanceof Error) && m.type === "request") console.log(m.body.length); // 1
 * ```
 */
export type FlpServerMessage =
  | {
    readonly type: "ping";
    /** The client's routing identity (frame 0). */
    readonly sender: Uint8Array;
  }
  | {
    readonly type: "request";
    /** The client's routing identity (frame 0). */
    readonly sender: Uint8Array;
    /** The client control frame, to echo byte for byte. */
    readonly control: Uint8Array;
    /** The request body, at least one frame. */
    readonly body: Uint8Array[];
  };

/**
 * A 10/FLP message as a client's ROUTER receives it.
 *
 * @example
 * ```ts
 * import { decodeClientInbound, type FlpClientMessage } from "./codec.ts";
 * const te = new TextEncoder();
 * const m: FlpClientMessage | Error = decodeClientInbound([te.encode("tcp://h:5555"), te.encode("PONG")]);
 * if (!(m instanceof Error)) console.log(m.type); // "pong"
 * ```
 */
export type FlpClientMessage =
  | {
    readonly type: "pong";
    /** The server's routing identity, its public endpoint (frame 0). */
    readonly sender: Uint8Array;
  }
  | {
    readonly type: "reply";
    /** The server's routing identity, its public endpoint (frame 0). */
    readonly sender: Uint8Array;
    /** The control frame the server echoed. */
    readonly control: Uint8Array;
    /** The reply, at least one frame. */
    readonly body: Uint8Array[];
  };

function fail(code: FlpMalformation, frame: number): FlpProtocolError {
  return new ProtocolError("FLP", frame, FlpMalformation[code], {
    code,
  }) as FlpProtocolError;
}

// Module-local copies: read once per message.
const COMMAND_FRAMES = FlpMessage.PING.frames.length;
const COMMAND_BYTES = FlpLimits.COMMAND_BYTES;
const ID_MIN = FlpLimits.IDENTITY_MIN_BYTES;
const ID_MAX = FlpLimits.IDENTITY_MAX_BYTES;
const CONTROL_MAX = FlpLimits.CONTROL_MAX_BYTES;
const P = 0x50, I = 0x49, N = 0x4e, G = 0x47, O = 0x4f;

/** 1 for "PING", 2 for "PONG", 0 otherwise. */
function commandOf(f: Uint8Array): number {
  if (f.length !== COMMAND_BYTES || f[0] !== P || f[2] !== N || f[3] !== G) {
    return 0;
  }
  return f[1] === I ? 1 : f[1] === O ? 2 : 0;
}

/** The grammar both readers share; `mine` is the command this side receives. */
function decode(
  frames: readonly Uint8Array[],
  mine: number,
): { command: true } | {
  control: Uint8Array;
  body: Uint8Array[];
} | FlpProtocolError {
  const n = frames.length;
  if (n < 1 + COMMAND_FRAMES) return fail("TOO_FEW_FRAMES", -1);
  const id = frames[0].length;
  if (id < ID_MIN || id > ID_MAX) return fail("BAD_IDENTITY", 0);
  if (n === 1 + COMMAND_FRAMES) {
    const c = commandOf(frames[1]);
    if (c === mine) return { command: true };
    return c === 0 ? fail("BAD_COMMAND", 1) : fail("WRONG_DIRECTION", 1);
  }
  if (frames[1].length > CONTROL_MAX) return fail("BAD_CONTROL", 1);
  return { control: frames[1], body: frames.slice(2) };
}

/**
 * Decodes a message a 10/FLP server read from its ROUTER: a PING (exactly
 * one frame after the identity) or a request (a control frame and at least
 * one body frame). PONG never goes that way (`WRONG_DIRECTION`); a request
 * whose control frame happens to be `"PING"` is a request.
 *
 * @param frames The frames read from the ROUTER.
 * @returns The message, or a `ProtocolError` (never throws).
 * @example
 * ```ts
 * import { decodeServerInbound } from "./codec.ts";
 * const te = new TextEncoder();
 * const m = decodeServerInbound([te.encode("C1"), te.encode("PING"), te.encode("x")]);
 * if (!(m instanceof Error)) console.log(m.type); // "request"
 * ```
 */
export function decodeServerInbound(
  frames: readonly Uint8Array[],
): FlpServerMessage | FlpProtocolError {
  if (!isFrames(frames)) return fail("NOT_FRAMES", -1);
  const r = decode(frames, 1);
  if (r instanceof ProtocolError) return r;
  if ("command" in r) return { type: "ping", sender: frames[0] };
  return {
    type: "request",
    sender: frames[0],
    control: r.control,
    body: r.body,
  };
}

/**
 * Decodes a message a 10/FLP client read from its ROUTER: a PONG or a reply
 * (the echoed control frame and at least one frame). Whether the control
 * frame belongs to a request is the client's business, not the grammar's.
 *
 * @param frames The frames read from the ROUTER.
 * @returns The message, or a `ProtocolError` (never throws).
 * @example
 * ```ts
 * import { decodeClientInbound } from "./codec.ts";
 * const te = new TextEncoder();
 * const m = decodeClientInbound([te.encode("tcp://h:5555"), te.encode("7"), te.encode("OK")]);
 * if (!(m instanceof Error) && m.type === "reply") console.log(new TextDecoder().decode(m.control)); // "7"
 * ```
 */
export function decodeClientInbound(
  frames: readonly Uint8Array[],
): FlpClientMessage | FlpProtocolError {
  if (!isFrames(frames)) return fail("NOT_FRAMES", -1);
  const r = decode(frames, 2);
  if (r instanceof ProtocolError) return r;
  if ("command" in r) return { type: "pong", sender: frames[0] };
  return {
    type: "reply",
    sender: frames[0],
    control: r.control,
    body: r.body,
  };
}

function identity(fn: string, v: unknown): Uint8Array {
  return frameArg(fn, "identity", v, ID_MIN, ID_MAX);
}

/**
 * Encodes a PING as a client's ROUTER writes it.
 *
 * @param server The server's identity (its public endpoint).
 * @returns `[server]["PING"]`.
 * @throws {TypeError} If `server` is not a string or bytes.
 * @throws {RangeError} If it is not 1 to 255 bytes.
 * @example
 * ```ts
 * import { encodePing } from "./codec.ts";
 * console.log(encodePing("tcp://127.0.0.1:5555").length); // 2
 * ```
 */
export function encodePing(server: Uint8Array | string): Uint8Array[] {
  return [identity("encodePing()", server), FLP_PING];
}

/**
 * Encodes a PONG as a server's ROUTER writes it.
 *
 * @param client The client's routing identity.
 * @returns `[client]["PONG"]`.
 * @throws {TypeError} If `client` is not a string or bytes.
 * @throws {RangeError} If it is not 1 to 255 bytes.
 * @example
 * ```ts
 * import { encodePong } from "./codec.ts";
 * console.log(encodePong(new Uint8Array([0, 1, 2, 3, 4])).length); // 2
 * ```
 */
export function encodePong(client: Uint8Array | string): Uint8Array[] {
  return [identity("encodePong()", client), FLP_PONG];
}

function message(
  fn: string,
  to: unknown,
  control: unknown,
  body: unknown,
): Uint8Array[] {
  const id = identity(fn, to);
  const c = frameArg(fn, "control", control, 0, CONTROL_MAX);
  if (!Array.isArray(body)) {
    throw new TypeError(
      `${fn}: body must be an array of frames, got ${describe(body)}`,
    );
  }
  if (body.length === 0) {
    throw new RangeError(`${fn}: body needs at least one frame, got 0`);
  }
  const out = [id, c];
  for (let i = 0; i < body.length; i++) {
    out.push(frameArg(fn, `body[${i}]`, body[i], 0, Infinity));
  }
  return out;
}

/**
 * Encodes a request as a client's ROUTER writes it.
 *
 * @param server The server's identity (its public endpoint).
 * @param control The client control frame (e.g. a sequence number).
 * @param body The request, at least one frame.
 * @returns `[server][control][body…]`.
 * @throws {TypeError} If an argument has the wrong type.
 * @throws {RangeError} On an identity out of 1..255 bytes, a control frame
 * over 255 bytes, or an empty body.
 * @example
 * ```ts
 * import { encodeRequest } from "./codec.ts";
 * console.log(encodeRequest("tcp://127.0.0.1:5555", "1", ["hello"]).length); // 3
 * ```
 */
export function encodeRequest(
  server: Uint8Array | string,
  control: Uint8Array | string,
  body: readonly (Uint8Array | string)[],
): Uint8Array[] {
  return message("encodeRequest()", server, control, body);
}

/**
 * Encodes a reply as a server's ROUTER writes it.
 *
 * @param client The client's routing identity.
 * @param control The request's control frame, echoed.
 * @param body The reply, at least one frame.
 * @returns `[client][control][body…]`.
 * @throws {TypeError} If an argument has the wrong type.
 * @throws {RangeError} On an identity out of 1..255 bytes, a control frame
 * over 255 bytes, or an empty body.
 * @example
 * ```ts
 * import { encodeReply } from "./codec.ts";
 * console.log(encodeReply(new Uint8Array([0, 1, 2, 3, 4]), "1", ["OK"]).length); // 3
 * ```
 */
export function encodeReply(
  client: Uint8Array | string,
  control: Uint8Array | string,
  body: readonly (Uint8Array | string)[],
): Uint8Array[] {
  return message("encodeReply()", client, control, body);
}
