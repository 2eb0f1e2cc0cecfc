/**
 * 7/MDP (Majordomo Protocol 0.1, rfc.zeromq.org/spec/7): constants, encoders
 * and decoders for every message, client and worker side. Pure: no sockets,
 * no timers. Decoders never throw on hostile input; they return a typed
 * message or a {@linkcode ProtocolError}.
 *
 * Wire frames (the worker and an async client use DEALER, so they write the
 * leading empty frame themselves; a ROUTER adds `id(peer)` in front on
 * receive):
 *
 * | Message | F0 | F1 | F2 | F3 | F4 | F5… |
 * |---|---|---|---|---|---|---|
 * | client REQUEST C→B | `""` | `"MDPC01"` | service | body… | | |
 * | client REPLY B→C | `""` | `"MDPC01"` | service | body… | | |
 * | READY W→B | `""` | `"MDPW01"` | `0x01` | service | | |
 * | REQUEST B→W | `""` | `"MDPW01"` | `0x02` | client address | `""` | body… |
 * | REPLY W→B | `""` | `"MDPW01"` | `0x03` | client address | `""` | body… |
 * | HEARTBEAT | `""` | `"MDPW01"` | `0x04` | | | |
 * | DISCONNECT | `""` | `"MDPW01"` | `0x05` | | | |
 *
 * @module
 */
import { ProtocolError } from "../errors.ts";
import { MdpCommand } from "../core/types.ts";

const te = new TextEncoder();
const td = new TextDecoder();

/** The empty delimiter frame. */
export const EMPTY: Uint8Array = new Uint8Array(0);
/**
 * `"MDPC01"`: MDP/Client 0.1 header.
 *
 * @example
 * ```ts
 * import { MDPC01 } from "@reliable/zmq";
 * console.log(new TextDecoder().decode(MDPC01)); // "MDPC01"
 * ```
 */
export const MDPC01: Uint8Array = te.encode("MDPC01");
/**
 * `"MDPW01"`: MDP/Worker 0.1 header.
 *
 * @example
 * ```ts
 * import { MDPW01 } from "@reliable/zmq";
 * console.log(MDPW01.length); // 6
 * ```
 */
export const MDPW01: Uint8Array = te.encode("MDPW01");

/**
 * MDP/Worker command codes (7/MDP), one octet each.
 *
 * @example
 * ```ts
 * import { MdpWorkerCommand } from "@reliable/zmq";
 * console.log(MdpWorkerCommand.HEARTBEAT); // 4
 * ```
 */
export const MdpWorkerCommand: typeof MdpCommand = MdpCommand;
/** One of the {@linkcode MdpWorkerCommand} codes. */
export type MdpWorkerCommand = MdpCommand;

/** Single-octet command frames, shared (never mutate). */
export const COMMAND_FRAME: Readonly<Record<MdpWorkerCommand, Uint8Array>> = {
  1: new Uint8Array([1]),
  2: new Uint8Array([2]),
  3: new Uint8Array([3]),
  4: new Uint8Array([4]),
  5: new Uint8Array([5]),
};

/** Names of the worker commands, for logs. */
export const COMMAND_NAME: Readonly<Record<number, string>> = {
  1: "READY",
  2: "REQUEST",
  3: "REPLY",
  4: "HEARTBEAT",
  5: "DISCONNECT",
};

/**
 * A frame as accepted by the encoders.
 *
 * @example
 * ```ts
 * import type { FrameLike } from "@reliable/zmq";
 * const frames: FrameLike[] = ["text", new Uint8Array([1, 2])];
 * ```
 */
export type FrameLike = Uint8Array | string;

function bytes(f: FrameLike): Uint8Array {
  return typeof f === "string" ? te.encode(f) : f;
}

function checkName(what: string, name: unknown): Uint8Array {
  if (typeof name !== "string" && !(name instanceof Uint8Array)) {
    throw new TypeError(`${what} must be a string or Uint8Array`);
  }
  const b = bytes(name);
  if (b.length === 0) throw new RangeError(`${what} must not be empty`);
  if (b.length > 255) throw new RangeError(`${what} must be at most 255 bytes`);
  return b;
}

function checkBody(what: string, body: unknown): Uint8Array[] {
  if (!Array.isArray(body)) {
    throw new TypeError(`${what} must be an array of frames`);
  }
  if (body.length === 0) {
    throw new RangeError(`${what} needs at least one frame (7/MDP)`);
  }
  const out = new Array<Uint8Array>(body.length);
  for (let i = 0; i < body.length; i++) {
    const f = body[i];
    if (typeof f !== "string" && !(f instanceof Uint8Array)) {
      throw new TypeError(`${what}[${i}] must be a string or Uint8Array`);
    }
    out[i] = bytes(f);
  }
  return out;
}

/**
 * Checks a service name: 1-255 bytes. A string is UTF-8 encoded.
 *
 * @param service The name.
 * @returns The name's bytes.
 * @throws {TypeError} When it is neither a string nor bytes.
 * @throws {RangeError} When it is empty or longer than 255 bytes.
 * @example
 * ```ts
 * import { validateServiceName } from "@reliable/zmq";
 * console.log(validateServiceName("echo").length); // 4
 * ```
 */
export function validateServiceName(service: unknown): Uint8Array {
  return checkName("service name", service);
}

/**
 * Encodes a client REQUEST as a DEALER writes it (with the leading `""`).
 *
 * @param service Service name.
 * @param body One or more body frames.
 * @returns The wire frames `["", "MDPC01", service, ...body]`.
 * @throws {TypeError} On a bad argument type.
 * @throws {RangeError} On an empty service or body.
 * @example
 * ```ts
 * import { encodeClientRequest } from "@reliable/zmq";
 * console.log(encodeClientRequest("echo", ["hi"]).length); // 4
 * ```
 */
export function encodeClientRequest(
  service: FrameLike,
  body: readonly FrameLike[],
): Uint8Array[] {
  const s = checkName("service name", service);
  return [EMPTY, MDPC01, s, ...checkBody("body", body)];
}

/**
 * Encodes a worker READY (with the leading `""`).
 *
 * @param service The one service this worker serves.
 * @returns `["", "MDPW01", 0x01, service]`.
 * @throws {TypeError} On a bad argument type.
 * @throws {RangeError} On an empty or too long service name.
 * @example
 * ```ts
 * import { encodeReady } from "@reliable/zmq";
 * console.log(encodeReady("echo").length); // 4
 * ```
 */
export function encodeReady(service: FrameLike): Uint8Array[] {
  return [
    EMPTY,
    MDPW01,
    COMMAND_FRAME[1],
    checkName("service name", service),
  ];
}

/**
 * Encodes a worker REPLY (with the leading `""`).
 *
 * @param clientAddress The address frame the REQUEST carried (1-255 bytes).
 * @param body One or more reply frames.
 * @returns `["", "MDPW01", 0x03, address, "", ...body]`.
 * @throws {TypeError} On a bad argument type.
 * @throws {RangeError} On an empty address or body.
 * @example
 * ```ts
 * import { encodeWorkerReply } from "@reliable/zmq";
 * console.log(encodeWorkerReply(new Uint8Array([0, 1, 2, 3, 4]), ["ok"]).length); // 6
 * ```
 */
export function encodeWorkerReply(
  clientAddress: Uint8Array,
  body: readonly FrameLike[],
): Uint8Array[] {
  if (!(clientAddress instanceof Uint8Array)) {
    throw new TypeError("client address must be a Uint8Array");
  }
  checkName("client address", clientAddress);
  return [
    EMPTY,
    MDPW01,
    COMMAND_FRAME[3],
    clientAddress,
    EMPTY,
    ...checkBody("body", body),
  ];
}

/**
 * Encodes a worker-side command with no payload (HEARTBEAT or DISCONNECT),
 * with the leading `""`. The broker prefixes the worker identity.
 *
 * @param command `MdpWorkerCommand.HEARTBEAT` or `.DISCONNECT`.
 * @returns `["", "MDPW01", command]`.
 * @throws {RangeError} For any other command.
 * @example
 * ```ts
 * import { encodeWorkerSignal, MdpWorkerCommand } from "@reliable/zmq";
 * console.log(encodeWorkerSignal(MdpWorkerCommand.HEARTBEAT).length); // 3
 * ```
 */
export function encodeWorkerSignal(command: MdpWorkerCommand): Uint8Array[] {
  if (command !== 4 && command !== 5) {
    throw new RangeError("only HEARTBEAT (4) and DISCONNECT (5) have no body");
  }
  return [EMPTY, MDPW01, COMMAND_FRAME[command]];
}

/**
 * Encodes a REQUEST from the broker to a worker, as the broker writes it to
 * its ROUTER (worker identity first).
 *
 * @param worker The worker's routing identity.
 * @param client The client's routing identity (the address frame).
 * @param body One or more body frames.
 * @returns `[worker, "", "MDPW01", 0x02, client, "", ...body]`.
 * @throws {TypeError} On a bad argument type.
 * @throws {RangeError} On empty identities or body.
 * @example
 * ```ts
 * import { encodeBrokerRequest } from "@reliable/zmq";
 * const id = new Uint8Array([0, 0, 0, 0, 1]);
 * console.log(encodeBrokerRequest(id, id, ["x"]).length); // 7
 * ```
 */
export function encodeBrokerRequest(
  worker: Uint8Array,
  client: Uint8Array,
  body: readonly FrameLike[],
): Uint8Array[] {
  checkName("worker identity", worker);
  checkName("client address", client);
  return [
    worker,
    EMPTY,
    MDPW01,
    COMMAND_FRAME[2],
    client,
    EMPTY,
    ...checkBody("body", body),
  ];
}

/**
 * Encodes a REPLY from the broker to a client, as the broker writes it to
 * its ROUTER (client identity first).
 *
 * @param client The client's routing identity.
 * @param service The service that answered.
 * @param body One or more body frames.
 * @returns `[client, "", "MDPC01", service, ...body]`.
 * @throws {TypeError} On a bad argument type.
 * @throws {RangeError} On an empty identity, service or body.
 * @example
 * ```ts
 * import { encodeBrokerReply } from "@reliable/zmq";
 * console.log(encodeBrokerReply(new Uint8Array([7]), "echo", ["hi"]).length); // 5
 * ```
 */
export function encodeBrokerReply(
  client: Uint8Array,
  service: FrameLike,
  body: readonly FrameLike[],
): Uint8Array[] {
  checkName("client address", client);
  return [
    client,
    EMPTY,
    MDPC01,
    checkName("service name", service),
    ...checkBody("body", body),
  ];
}

/**
 * A client REPLY as a client reads it (after its DEALER delivered it).
 *
 * @example
 * ```ts
 * import { decodeClientReply } from "@reliable/zmq";
 * const te = new TextEncoder();
 * const r = decodeClientReply([new Uint8Array(0), te.encode("MDPC01"), te.encode("echo"), te.encode("x")]);
 * if (!(r instanceof Error)) console.log(r.type, r.body.length); // "reply" 1
 * ```
 */
export interface MdpClientReply {
  /** Always `"reply"`. */
  readonly type: "reply";
  /** The service that answered. */
  readonly service: string;
  /** The reply body, one or more frames. */
  readonly body: Uint8Array[];
}

/**
 * A command a worker reads from the broker.
 *
 * @example
 * ```ts
 * import { decodeWorkerInbound, encodeWorkerSignal } from "@reliable/zmq";
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
 * Any 7/MDP message as a broker's ROUTER delivers it, decoded.
 *
 * @example
 * ```ts
 * import { decodeBrokerInbound, encodeWorkerSignal } from "@reliable/zmq";
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
    readonly type: "reply";
    readonly sender: Uint8Array;
    readonly address: Uint8Array;
    readonly body: Uint8Array[];
  }
  | { readonly type: "request"; readonly sender: Uint8Array }
  | { readonly type: "heartbeat"; readonly sender: Uint8Array }
  | { readonly type: "disconnect"; readonly sender: Uint8Array };

function eq(a: Uint8Array | undefined, b: Uint8Array): boolean {
  if (a === undefined || a.length !== b.length) return false;
  for (let i = 0; i < b.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function isBytesArray(frames: unknown): frames is Uint8Array[] {
  if (!Array.isArray(frames)) return false;
  for (const f of frames) if (!(f instanceof Uint8Array)) return false;
  return true;
}

/**
 * Decodes a reply as an MDP client's DEALER receives it:
 * `["", "MDPC01", service, body…]`.
 *
 * @param frames The received frames.
 * @returns The reply, or a `ProtocolError` (never throws).
 * @example
 * ```ts
 * import { decodeClientReply } from "@reliable/zmq";
 * const te = new TextEncoder();
 * const r = decodeClientReply([new Uint8Array(0), te.encode("MDPC01"), te.encode("echo"), te.encode("hi")]);
 * if (!(r instanceof Error)) console.log(r.service); // "echo"
 * ```
 */
export function decodeClientReply(
  frames: readonly Uint8Array[],
): MdpClientReply | ProtocolError {
  if (!isBytesArray(frames)) {
    return new ProtocolError("MDPC01", -1, "not an array of frames");
  }
  if (frames.length < 4) {
    return new ProtocolError("MDPC01", -1, "too few frames");
  }
  if (frames[0].length !== 0) {
    return new ProtocolError("MDPC01", 0, "frame 0 must be empty");
  }
  if (!eq(frames[1], MDPC01)) {
    return new ProtocolError("MDPC01", 1, "header is not MDPC01");
  }
  if (frames[2].length === 0) {
    return new ProtocolError("MDPC01", 2, "empty service name");
  }
  return {
    type: "reply",
    service: td.decode(frames[2]),
    body: frames.slice(3),
  };
}

/**
 * Decodes a command as a worker's DEALER receives it from the broker.
 * READY and REPLY are not valid in this direction and are reported as
 * errors, as is anything malformed.
 *
 * @param frames The received frames.
 * @returns The command, or a `ProtocolError` (never throws).
 * @example
 * ```ts
 * import { decodeWorkerInbound, encodeWorkerSignal } from "@reliable/zmq";
 * console.log(decodeWorkerInbound(encodeWorkerSignal(4))); // { type: "heartbeat" }
 * ```
 */
export function decodeWorkerInbound(
  frames: readonly Uint8Array[],
): MdpBrokerToWorker | ProtocolError {
  if (!isBytesArray(frames)) {
    return new ProtocolError("MDPW01", -1, "not an array of frames");
  }
  const n = frames.length;
  if (n < 3) return new ProtocolError("MDPW01", -1, "too few frames");
  if (frames[0].length !== 0) {
    return new ProtocolError("MDPW01", 0, "frame 0 must be empty");
  }
  if (!eq(frames[1], MDPW01)) {
    return new ProtocolError("MDPW01", 1, "header is not MDPW01");
  }
  if (frames[2].length !== 1) {
    return new ProtocolError("MDPW01", 2, "command must be one octet");
  }
  switch (frames[2][0]) {
    case 0x02:
      if (n < 6) return new ProtocolError("MDPW01", -1, "REQUEST too short");
      if (frames[3].length === 0 || frames[3].length > 255) {
        return new ProtocolError("MDPW01", 3, "bad client address");
      }
      if (frames[4].length !== 0) {
        return new ProtocolError("MDPW01", 4, "missing empty delimiter");
      }
      return { type: "request", address: frames[3], body: frames.slice(5) };
    case 0x04:
      if (n !== 3) {
        return new ProtocolError("MDPW01", -1, "HEARTBEAT has extra frames");
      }
      return { type: "heartbeat" };
    case 0x05:
      if (n !== 3) {
        return new ProtocolError("MDPW01", -1, "DISCONNECT has extra frames");
      }
      return { type: "disconnect" };
    case 0x01:
    case 0x03:
      return new ProtocolError(
        "MDPW01",
        2,
        `${COMMAND_NAME[frames[2][0]]} is not valid from a broker`,
      );
    default:
      return new ProtocolError("MDPW01", 2, `unknown command ${frames[2][0]}`);
  }
}

/**
 * Decodes any message as a broker's ROUTER delivers it (identity first).
 * The broker's hot path uses the core's `Envelope` for the same job; this
 * is the readable reference, used by tests and tools.
 *
 * @param frames The received frames, frame 0 being the sender identity.
 * @returns The message, or a `ProtocolError` (never throws).
 * @example
 * ```ts
 * import { decodeBrokerInbound, encodeReady } from "@reliable/zmq";
 * const m = decodeBrokerInbound([new Uint8Array([1]), ...encodeReady("echo")]);
 * if (!(m instanceof Error)) console.log(m.type); // "ready"
 * ```
 */
export function decodeBrokerInbound(
  frames: readonly Uint8Array[],
): MdpBrokerInbound | ProtocolError {
  if (!isBytesArray(frames)) {
    return new ProtocolError("MDP", -1, "not an array of frames");
  }
  const n = frames.length;
  if (n < 3) return new ProtocolError("MDP", -1, "too few frames");
  const sender = frames[0];
  if (frames[1].length !== 0) {
    return new ProtocolError("MDP", 1, "frame 1 must be the empty delimiter");
  }
  if (eq(frames[2], MDPC01)) {
    if (n < 5) return new ProtocolError("MDPC01", -1, "too few frames");
    if (frames[3].length === 0) {
      return new ProtocolError("MDPC01", 3, "empty service name");
    }
    return {
      type: "client-request",
      sender,
      service: frames[3],
      body: frames.slice(4),
    };
  }
  if (!eq(frames[2], MDPW01)) {
    return new ProtocolError("MDP", 2, "unknown protocol header");
  }
  if (n < 4) return new ProtocolError("MDPW01", -1, "too few frames");
  if (frames[3].length !== 1) {
    return new ProtocolError("MDPW01", 3, "command must be one octet");
  }
  const cmd = frames[3][0];
  switch (cmd) {
    case 0x01:
      if (n !== 5) {
        return new ProtocolError("MDPW01", -1, "READY needs exactly 5 frames");
      }
      if (frames[4].length === 0) {
        return new ProtocolError("MDPW01", 4, "empty service name");
      }
      return { type: "ready", sender, service: frames[4] };
    case 0x02:
    case 0x03:
      if (n < 7) return new ProtocolError("MDPW01", -1, "too few frames");
      if (frames[4].length === 0 || frames[4].length > 255) {
        return new ProtocolError("MDPW01", 4, "bad client address");
      }
      if (frames[5].length !== 0) {
        return new ProtocolError("MDPW01", 5, "missing empty delimiter");
      }
      return cmd === 0x03
        ? { type: "reply", sender, address: frames[4], body: frames.slice(6) }
        : { type: "request", sender };
    case 0x04:
    case 0x05:
      if (n !== 4) {
        return new ProtocolError("MDPW01", -1, "wrong number of frames");
      }
      return cmd === 0x04
        ? { type: "heartbeat", sender }
        : { type: "disconnect", sender };
    default:
      return new ProtocolError("MDPW01", 3, `unknown command ${cmd}`);
  }
}
