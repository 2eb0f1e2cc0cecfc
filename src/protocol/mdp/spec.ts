/**
 * 7/MDP, the Majordomo Protocol 0.1 (https://rfc.zeromq.org/spec/7/), as
 * data: protocol headers, command octets with their wire names, the frames
 * of every message per direction, limits and the malformation classes.
 *
 * This module is a leaf: it imports nothing and holds no code, only
 * `as const` data. The codec (`codec.ts`), the core's envelope classifiers
 * (TypeScript and, through generated constants, AssemblyScript) and the
 * docs all read it, so a change here reaches every implementation at once;
 * the conformance vectors (`vectors.ts`) are written independently of it
 * and catch a wrong value.
 *
 * | Message | Sent by | F0 | F1 | F2 | F3 | F4 | F5… |
 * |---|---|---|---|---|---|---|---|
 * | client REQUEST | client | `""` | `"MDPC01"` | service | body… | | |
 * | client REPLY | broker | `""` | `"MDPC01"` | service | body… | | |
 * | READY | worker | `""` | `"MDPW01"` | `0x01` | service | | |
 * | REQUEST | broker | `""` | `"MDPW01"` | `0x02` | client address | `""` | body… |
 * | REPLY | worker | `""` | `"MDPW01"` | `0x03` | client address | `""` | body… |
 * | HEARTBEAT | either | `""` | `"MDPW01"` | `0x04` | | | |
 * | DISCONNECT | either | `""` | `"MDPW01"` | `0x05` | | | |
 *
 * These are wire frames (a DEALER's view). A broker's ROUTER puts the
 * sender's routing identity in front of them on receive, shifting every
 * index by one.
 *
 * @example Reading the layout of a command
 * ```ts
 * import { MdpMessage, MdpWorkerCommand } from "./spec.ts";
 * console.log(MdpMessage.READY.frames.join(" ")); // "empty header command service"
 * console.log(MdpWorkerCommand.READY); // 1
 * ```
 *
 * @module
 */

/**
 * Where the specification lives.
 *
 * @example
 * ```ts
 * import { MDP_SPEC } from "./spec.ts";
 * console.log(MDP_SPEC.name); // "7/MDP"
 * ```
 */
export const MDP_SPEC = {
  /** Short name, as other RFCs cite it. */
  name: "7/MDP",
  /** Title. */
  title: "Majordomo Protocol",
  /** Protocol version carried in the headers. */
  version: "0.1",
  /** The RFC. */
  url: "https://rfc.zeromq.org/spec/7/",
} as const;

/**
 * The protocol headers: six ASCII bytes, no terminator.
 *
 * @example
 * ```ts
 * import { MdpHeader } from "./spec.ts";
 * console.log(MdpHeader.WORKER); // "MDPW01"
 * ```
 */
export const MdpHeader = {
  /** MDP/Client 0.1. */
  CLIENT: "MDPC01",
  /** MDP/Worker 0.1. */
  WORKER: "MDPW01",
} as const;
/** One of the {@linkcode MdpHeader} strings. */
export type MdpHeader = typeof MdpHeader[keyof typeof MdpHeader];

/**
 * MDP/Worker command octets (RFC 7 § MDP/Worker), each sent as a frame of
 * exactly one byte.
 *
 * @example
 * ```ts
 * import { MdpWorkerCommand } from "./spec.ts";
 * console.log(MdpWorkerCommand.HEARTBEAT); // 4
 * ```
 */
export const MdpWorkerCommand = {
  /** Worker registers for one service. */
  READY: 0x01,
  /** Broker hands a request to a worker. */
  REQUEST: 0x02,
  /** Worker returns a reply. */
  REPLY: 0x03,
  /** Either side is alive. */
  HEARTBEAT: 0x04,
  /** Either side ends the conversation. */
  DISCONNECT: 0x05,
} as const;
/** One of the {@linkcode MdpWorkerCommand} octets. */
export type MdpWorkerCommand =
  typeof MdpWorkerCommand[keyof typeof MdpWorkerCommand];

/**
 * Sizes the codec and the classifiers enforce.
 *
 * @example
 * ```ts
 * import { MdpLimits } from "./spec.ts";
 * console.log(MdpLimits.ADDRESS_MAX_BYTES); // 255
 * ```
 */
export const MdpLimits = {
  /** Bytes of either header. */
  HEADER_BYTES: 6,
  /** Bytes of a command frame. */
  COMMAND_BYTES: 1,
  /** Smallest client address (a ROUTER identity is never empty). */
  ADDRESS_MIN_BYTES: 1,
  /** Largest client address (libzmq identities are at most 255 bytes). */
  ADDRESS_MAX_BYTES: 255,
  /** Smallest service name: decoders refuse an empty one. */
  SERVICE_MIN_BYTES: 1,
  /**
   * Largest service name our encoders write. The RFC sets no limit and the
   * decoders accept any length (be liberal in what you accept); this keeps
   * what we send within what any identity-sized buffer holds.
   */
  SERVICE_MAX_BYTES: 255,
} as const;

/**
 * The frames of every 7/MDP message on the wire (a DEALER's view; a
 * ROUTER adds the sender's identity in front on receive).
 *
 * Frame names: `empty` is a zero-length frame; `header` is the message's
 * {@linkcode MdpHeader}; `command` is one octet, the message's
 * {@linkcode MdpWorkerCommand}; `service` is a service name
 * ({@linkcode MdpLimits}); `address` is exactly one client-address frame;
 * `body+` is one or more opaque frames and is always last. A layout
 * without `body+` has exactly that many frames; with it, at least that
 * many.
 *
 * @example
 * ```ts
 * import { MdpMessage } from "./spec.ts";
 * console.log(MdpMessage.REPLY.from, MdpMessage.REPLY.frames.length); // [ "worker" ] 6
 * ```
 */
export const MdpMessage = {
  /** A client asks a service (C→B). */
  CLIENT_REQUEST: {
    section: "MDP/Client",
    from: ["client"],
    header: "CLIENT",
    command: null,
    frames: ["empty", "header", "service", "body+"],
  },
  /** The broker returns the reply, naming the service that answered (B→C). */
  CLIENT_REPLY: {
    section: "MDP/Client",
    from: ["broker"],
    header: "CLIENT",
    command: null,
    frames: ["empty", "header", "service", "body+"],
  },
  /** A worker registers for one service (W→B); no answer follows. */
  READY: {
    section: "MDP/Worker",
    from: ["worker"],
    header: "WORKER",
    command: "READY",
    frames: ["empty", "header", "command", "service"],
  },
  /** The broker hands a request over (B→W). */
  REQUEST: {
    section: "MDP/Worker; Request and Reply Processing",
    from: ["broker"],
    header: "WORKER",
    command: "REQUEST",
    frames: ["empty", "header", "command", "address", "empty", "body+"],
  },
  /** A worker returns the reply (W→B). */
  REPLY: {
    section: "MDP/Worker; Request and Reply Processing",
    from: ["worker"],
    header: "WORKER",
    command: "REPLY",
    frames: ["empty", "header", "command", "address", "empty", "body+"],
  },
  /** Either side is alive (W↔B). */
  HEARTBEAT: {
    section: "MDP/Worker; Heartbeating",
    from: ["worker", "broker"],
    header: "WORKER",
    command: "HEARTBEAT",
    frames: ["empty", "header", "command"],
  },
  /** Either side ends the conversation (W↔B). */
  DISCONNECT: {
    section: "MDP/Worker; Opening and Closing a Connection",
    from: ["worker", "broker"],
    header: "WORKER",
    command: "DISCONNECT",
    frames: ["empty", "header", "command"],
  },
} as const;
/** The name of one 7/MDP message in {@linkcode MdpMessage}. */
export type MdpMessageName = keyof typeof MdpMessage;

/**
 * Every way a 7/MDP message can be malformed, by class name, with the text
 * a `ProtocolError` carries as its `reason`. The codec returns these as
 * `ProtocolError.code`; the core's envelope reports the same names through
 * its numeric `EnvelopeError`.
 *
 * @example
 * ```ts
 * import { MdpMalformation } from "./spec.ts";
 * console.log(MdpMalformation.BAD_COMMAND);
 * ```
 */
export const MdpMalformation = {
  /** The input is not an array of byte frames (codec only). */
  NOT_FRAMES: "not an array of Uint8Array frames",
  /** Fewer frames than the smallest message with this header. */
  TOO_FEW_FRAMES: "too few frames",
  /** The frame before the header is not empty. */
  DELIMITER_NOT_EMPTY: "the frame before the protocol header must be empty",
  /** The header is not one this side accepts. */
  UNKNOWN_HEADER: "unknown or unexpected protocol header",
  /** A service name frame is empty. */
  EMPTY_SERVICE: "empty service name",
  /** The command frame is not exactly one octet of a known command. */
  BAD_COMMAND: "command must be exactly one byte of a known command",
  /** A known command that this side never receives (e.g. READY at a worker). */
  WRONG_DIRECTION: "command is not valid in this direction",
  /** The command has the wrong number of frames. */
  WRONG_FRAME_COUNT: "wrong number of frames for this command",
  /** The client address is empty or longer than 255 bytes. */
  BAD_ADDRESS: "client address must be 1 to 255 bytes",
  /** The frame after the client address is not empty. */
  MISSING_DELIMITER: "missing empty delimiter after the client address",
} as const;
/** The name of one {@linkcode MdpMalformation} class. */
export type MdpMalformation = keyof typeof MdpMalformation;
