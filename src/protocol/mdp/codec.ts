/**
 * 7/MDP codec: encoders for every message and one decoder per reader
 * (broker, worker, client). Pure: no sockets, no timers. Decoders never
 * throw, whatever they are given; they return a typed message or a
 * `ProtocolError` whose `code` is an {@linkcode MdpMalformation} name and
 * whose `frame` is the offending frame's index in the input (-1 for the
 * whole message). Frame layouts and command octets come from `spec.ts`,
 * which this module re-exports.
 *
 * @example Round trip through a broker's ROUTER view
 * ```ts
 * import { decodeBrokerInbound, encodeReady } from "./codec.ts";
 * const m = decodeBrokerInbound([new Uint8Array([7]), ...encodeReady("echo")]);
 * if (!(m instanceof Error)) console.log(m.type); // "ready"
 * ```
 *
 * @module
 */
import { ProtocolError } from "../../errors.ts";
import { bytesEqual, EMPTY, type FrameLike, isFrames } from "../_frames.ts";
import {
  MdpHeader,
  MdpLimits,
  MdpMalformation,
  MdpMessage,
  type MdpMessageName,
  MdpWorkerCommand,
} from "./spec.ts";
import { MDPC01 as C01, MDPW01 as W01 } from "./_encode.ts";

export {
  MDP_SPEC,
  MdpHeader,
  MdpLimits,
  MdpMalformation,
  MdpMessage,
  type MdpMessageName,
  MdpWorkerCommand,
} from "./spec.ts";
export {
  COMMAND_FRAME,
  COMMAND_NAME,
  encodeBrokerReply,
  encodeBrokerRequest,
  encodeClientRequest,
  encodeReady,
  encodeWorkerReply,
  encodeWorkerSignal,
  MDPC01,
  MDPW01,
  validateServiceName,
} from "./_encode.ts";
export { bytesEqual, EMPTY, type FrameLike };

const td = new TextDecoder();

/**
 * A `ProtocolError` from the 7/MDP codec: `code` names the malformation.
 *
 * @example
 * ```ts
 * import { decodeWorkerInbound, type MdpProtocolError } from "./codec.ts";
 * const r = decodeWorkerInbound([]);
 * if (r instanceof Error) { const e: MdpProtocolError = r; console.log(e.code); } // "TOO_FEW_FRAMES"
 * ```
 */
export type MdpProtocolError = ProtocolError & {
  readonly code: MdpMalformation;
};

// Positions and sizes, read from the layouts in spec.ts (wire view).
const at = (m: MdpMessageName, f: string, from = 0) =>
  (MdpMessage[m].frames as readonly string[]).indexOf(f, from);
const HEADER = at("READY", "header");
const COMMAND = at("READY", "command");
const CLIENT_SERVICE = at("CLIENT_REQUEST", "service");
const CLIENT_BODY = at("CLIENT_REQUEST", "body+");
const READY_SERVICE = at("READY", "service");
const ADDRESS = at("REQUEST", "address");
const ADDRESS_END = at("REQUEST", "empty", ADDRESS);
const WORKER_BODY = at("REQUEST", "body+");
const READY_FRAMES = MdpMessage.READY.frames.length;
const SIGNAL_FRAMES = MdpMessage.HEARTBEAT.frames.length;
const ADDR_MIN = MdpLimits.ADDRESS_MIN_BYTES;
const ADDR_MAX = MdpLimits.ADDRESS_MAX_BYTES;
const COMMAND_BYTES = MdpLimits.COMMAND_BYTES;
// Module-local copies: V8 reads an imported binding or an imported object's
// property on every use, which costs on a path run once per message.
const { READY, REQUEST, REPLY, HEARTBEAT, DISCONNECT } = MdpWorkerCommand;
const MDPC01 = C01, MDPW01 = W01;

/**
 * A client REPLY as a client's DEALER receives it.
 *
 * @example
 * ```ts
 * import { decodeClientReply, encodeBrokerReply } from "./codec.ts";
 * const r = decodeClientReply(encodeBrokerReply(new Uint8Array([1]), "echo", ["x"]).slice(1));
 * if (!(r instanceof Error)) console.log(r.type, r.service, r.body.length); // "reply" "echo" 1
 * ```
 */
export interface MdpClientReply {
  /** Always `"reply"`. */
  readonly type: "reply";
  /** The service that answered, decoded as UTF-8. */
  readonly service: string;
  /** The reply body, one or more frames. */
  readonly body: Uint8Array[];
}

/**
 * A command a worker's DEALER receives from the broker.
 *
 * @example
 * ```ts
 * import { decodeWorkerInbound, encodeWorkerSignal } from "./codec.ts";
 * const m = decodeWorkerInbound(encodeWorkerSignal(5));
 * if (!(m instanceof Error)) console.log(m.type); // "disconnect"
 * ```
 */
export type MdpBrokerToWorker =
  | {
    /** The broker hands over a request. */
    readonly type: "request";
    /** The client address to copy into the REPLY. */
    readonly address: Uint8Array;
    /** The request body, one or more frames. */
    readonly body: Uint8Array[];
  }
  | { readonly type: "heartbeat" }
  | { readonly type: "disconnect" };

/**
 * Any 7/MDP message as a broker's ROUTER receives it (`sender` is the
 * routing identity). A `"request"` is a REQUEST command sent by a worker:
 * well formed but never valid in that direction, so the broker answers it
 * with DISCONNECT (RFC 7: "valid but unexpected").
 *
 * @example
 * ```ts
 * import { decodeBrokerInbound, encodeWorkerSignal } from "./codec.ts";
 * const m = decodeBrokerInbound([new Uint8Array([7]), ...encodeWorkerSignal(4)]);
 * if (!(m instanceof Error)) console.log(m.type); // "heartbeat"
 * ```
 */
export type MdpBrokerInbound =
  | {
    readonly type: "client-request";
    readonly sender: Uint8Array;
    readonly service: Uint8Array;
    readonly body: Uint8Array[];
  }
  | {
    readonly type: "ready";
    readonly sender: Uint8Array;
    readonly service: Uint8Array;
  }
  | {
    readonly type: "reply" | "request";
    readonly sender: Uint8Array;
    readonly address: Uint8Array;
    readonly body: Uint8Array[];
  }
  | { readonly type: "heartbeat"; readonly sender: Uint8Array }
  | { readonly type: "disconnect"; readonly sender: Uint8Array };

/** Who reads the message: fixes the view (ROUTER or DEALER) and what is valid. */
type Reader = "broker" | "worker" | "client";

/** What `parse` found in a well-formed message: a client message, or a worker command octet. */
const CLIENT = 0;

function fail(
  frames: readonly Uint8Array[],
  o: number,
  code: MdpMalformation,
  frame: number,
): MdpProtocolError {
  const h = frames[o + HEADER];
  const protocol = bytesEqual(h, MDPC01)
    ? MdpHeader.CLIENT
    : bytesEqual(h, MDPW01)
    ? MdpHeader.WORKER
    : "MDP";
  return new ProtocolError(protocol, frame, MdpMalformation[code], {
    code,
  }) as MdpProtocolError;
}

/**
 * The one 7/MDP grammar. `o` is the index of the empty frame before the
 * header: 1 in a ROUTER's view (identity first), 0 in a DEALER's. Returns
 * `CLIENT` for a client message, the command octet for a worker command
 * (fields then sit at fixed positions), or the error. Allocates nothing on
 * success: decoders run once per message on every peer.
 */
function parse(
  frames: readonly Uint8Array[],
  reader: Reader,
): number | MdpProtocolError {
  if (!isFrames(frames)) {
    return new ProtocolError("MDP", -1, MdpMalformation.NOT_FRAMES, {
      code: "NOT_FRAMES",
    }) as MdpProtocolError;
  }
  const o = reader === "broker" ? 1 : 0;
  const n = frames.length;
  if (n < o + HEADER + 1) return fail(frames, o, "TOO_FEW_FRAMES", -1);
  if (frames[o].length !== 0) {
    return fail(frames, o, "DELIMITER_NOT_EMPTY", o);
  }
  const h = frames[o + HEADER];
  if (reader !== "worker" && bytesEqual(h, MDPC01)) {
    if (n < o + CLIENT_BODY + 1) return fail(frames, o, "TOO_FEW_FRAMES", -1);
    if (frames[o + CLIENT_SERVICE].length === 0) {
      return fail(frames, o, "EMPTY_SERVICE", o + CLIENT_SERVICE);
    }
    return CLIENT;
  }
  if (reader === "client" || !bytesEqual(h, MDPW01)) {
    return fail(frames, o, "UNKNOWN_HEADER", o + HEADER);
  }
  if (n < o + COMMAND + 1) return fail(frames, o, "TOO_FEW_FRAMES", -1);
  const c = frames[o + COMMAND];
  if (c.length !== COMMAND_BYTES) {
    return fail(frames, o, "BAD_COMMAND", o + COMMAND);
  }
  const cmd = c[0];
  if (reader === "worker" && (cmd === READY || cmd === REPLY)) {
    return fail(frames, o, "WRONG_DIRECTION", o + COMMAND);
  }
  switch (cmd) {
    case READY:
      if (n !== o + READY_FRAMES) {
        return fail(frames, o, "WRONG_FRAME_COUNT", -1);
      }
      if (frames[o + READY_SERVICE].length === 0) {
        return fail(frames, o, "EMPTY_SERVICE", o + READY_SERVICE);
      }
      return cmd;
    case REQUEST:
    case REPLY: {
      if (n < o + WORKER_BODY + 1) {
        return fail(frames, o, "WRONG_FRAME_COUNT", -1);
      }
      const a = frames[o + ADDRESS].length;
      if (a < ADDR_MIN || a > ADDR_MAX) {
        return fail(frames, o, "BAD_ADDRESS", o + ADDRESS);
      }
      if (frames[o + ADDRESS_END].length !== 0) {
        return fail(frames, o, "MISSING_DELIMITER", o + ADDRESS_END);
      }
      return cmd;
    }
    case HEARTBEAT:
    case DISCONNECT:
      if (n !== o + SIGNAL_FRAMES) {
        return fail(frames, o, "WRONG_FRAME_COUNT", -1);
      }
      return cmd;
    default:
      return fail(frames, o, "BAD_COMMAND", o + COMMAND);
  }
}

/**
 * Decodes a reply as an MDP client's DEALER receives it:
 * `["", "MDPC01", service, body…]`.
 *
 * @param frames The received frames.
 * @returns The reply, or a `ProtocolError` (never throws).
 * @example
 * ```ts
 * import { decodeClientReply } from "./codec.ts";
 * const te = new TextEncoder();
 * const r = decodeClientReply([new Uint8Array(0), te.encode("MDPC01"), te.encode("echo"), te.encode("hi")]);
 * if (!(r instanceof Error)) console.log(r.service); // "echo"
 * ```
 */
export function decodeClientReply(
  frames: readonly Uint8Array[],
): MdpClientReply | MdpProtocolError {
  const p = parse(frames, "client");
  if (typeof p !== "number") return p;
  return {
    type: "reply",
    service: td.decode(frames[CLIENT_SERVICE]),
    body: frames.slice(CLIENT_BODY),
  };
}

/**
 * Decodes a command as a worker's DEALER receives it from the broker:
 * REQUEST, HEARTBEAT or DISCONNECT. READY and REPLY never go that way and
 * are `WRONG_DIRECTION` errors.
 *
 * @param frames The received frames.
 * @returns The command, or a `ProtocolError` (never throws).
 * @example
 * ```ts
 * import { decodeWorkerInbound, encodeWorkerSignal } from "./codec.ts";
 * console.log(decodeWorkerInbound(encodeWorkerSignal(4))); // { type: "heartbeat" }
 * ```
 */
export function decodeWorkerInbound(
  frames: readonly Uint8Array[],
): MdpBrokerToWorker | MdpProtocolError {
  const p = parse(frames, "worker");
  if (typeof p !== "number") return p;
  if (p === REQUEST) {
    return {
      type: "request",
      address: frames[ADDRESS],
      body: frames.slice(WORKER_BODY),
    };
  }
  return p === HEARTBEAT ? { type: "heartbeat" } : { type: "disconnect" };
}

/**
 * Decodes any message as a broker's ROUTER receives it (identity first).
 * The broker's hot path classifies with the core's `Envelope`, which
 * follows the same grammar (the conformance vectors hold both to it).
 *
 * @param frames The received frames, frame 0 being the sender identity.
 * @returns The message, or a `ProtocolError` (never throws).
 * @example
 * ```ts
 * import { decodeBrokerInbound, encodeReady } from "./codec.ts";
 * const m = decodeBrokerInbound([new Uint8Array([1]), ...encodeReady("echo")]);
 * if (!(m instanceof Error)) console.log(m.type); // "ready"
 * ```
 */
export function decodeBrokerInbound(
  frames: readonly Uint8Array[],
): MdpBrokerInbound | MdpProtocolError {
  const p = parse(frames, "broker");
  if (typeof p !== "number") return p;
  const sender = frames[0];
  switch (p) {
    case CLIENT:
      return {
        type: "client-request",
        sender,
        service: frames[1 + CLIENT_SERVICE],
        body: frames.slice(1 + CLIENT_BODY),
      };
    case READY:
      return { type: "ready", sender, service: frames[1 + READY_SERVICE] };
    case REQUEST:
    case REPLY:
      return {
        type: p === REPLY ? "reply" : "request",
        sender,
        address: frames[1 + ADDRESS],
        body: frames.slice(1 + WORKER_BODY),
      };
    case HEARTBEAT:
      return { type: "heartbeat", sender };
    default:
      return { type: "disconnect", sender };
  }
}
