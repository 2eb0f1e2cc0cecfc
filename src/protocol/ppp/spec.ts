/**
 * 6/PPP, the Paranoid Pirate Protocol (https://rfc.zeromq.org/spec/6/), as
 * data: command octets with their wire names, the frames of every message,
 * limits and the malformation classes.
 *
 * A leaf: it imports nothing and holds no code. The codec, the core's
 * envelope classifiers (TypeScript and, through generated constants,
 * AssemblyScript) and the docs all read it; the conformance vectors
 * (`vectors.ts`) are written independently and catch a wrong value.
 *
 * | Message | Sent by | Worker's DEALER view | Queue's backend ROUTER view |
 * |---|---|---|---|
 * | READY | worker | `[0x01]` | `[id(w)][0x01]` |
 * | HEARTBEAT | either | `[0x02]` | `[id(w)][0x02]` |
 * | REQUEST | queue | `[id(c)…][""][body…]` | queue writes `[id(w)][id(c)][""][body…]` |
 * | REPLY | worker | `[id(c)…][""][body…]` | `[id(w)][id(c)][""][body…]` |
 *
 * The RFC has no header, version or message-type frame: a command is told
 * from a request by its frame count alone.
 *
 * @example
 * ```ts
 * import { PppCommand, PppMessage } from "./spec.ts";
 * console.log(PppCommand.HEARTBEAT, PppMessage.HEARTBEAT.frames.length); // 2 1
 * ```
 *
 * @module
 */

/**
 * Where the specification lives.
 *
 * @example
 * ```ts
 * import { PPP_SPEC } from "./spec.ts";
 * console.log(PPP_SPEC.name); // "6/PPP"
 * ```
 */
export const PPP_SPEC = {
  /** Short name, as other RFCs cite it. */
  name: "6/PPP",
  /** Title. */
  title: "Paranoid Pirate Protocol",
  /** The RFC. */
  url: "https://rfc.zeromq.org/spec/6/",
} as const;

/**
 * The 6/PPP command octets (RFC 6 § Command Specifications), each sent as a
 * one-frame message of exactly one byte.
 *
 * @example
 * ```ts
 * import { PppCommand } from "./spec.ts";
 * console.log(PppCommand.READY); // 1
 * ```
 */
export const PppCommand = {
  /** Worker is ready for work: the first message of every conversation. */
  READY: 0x01,
  /** Either side is alive. */
  HEARTBEAT: 0x02,
} as const;
/** One of the {@linkcode PppCommand} octets. */
export type PppCommand = typeof PppCommand[keyof typeof PppCommand];

/**
 * Sizes the codec and the classifiers enforce.
 *
 * @example
 * ```ts
 * import { PppLimits } from "./spec.ts";
 * console.log(PppLimits.ADDRESS_MAX_BYTES); // 255
 * ```
 */
export const PppLimits = {
  /** Bytes of a command frame. */
  COMMAND_BYTES: 1,
  /** Smallest client address (a ROUTER identity is never empty). */
  ADDRESS_MIN_BYTES: 1,
  /** Largest client address (libzmq identities are at most 255 bytes). */
  ADDRESS_MAX_BYTES: 255,
} as const;

/**
 * The frames of every 6/PPP message on the wire (the worker's DEALER view;
 * the queue's backend ROUTER adds the worker's identity in front on
 * receive).
 *
 * Frame names: `command` is one octet, the message's {@linkcode PppCommand};
 * `address+` is the address stack, one or more frames; `empty` is the
 * zero-length delimiter; `body+` is one or more opaque frames, always last.
 * The RFC makes the address stack optional; our peers always send one (a
 * one-frame request would read as a command). Our queue's backend reads
 * exactly one address frame in a reply, the one its frontend ROUTER added.
 *
 * @example
 * ```ts
 * import { PppMessage } from "./spec.ts";
 * console.log(PppMessage.REPLY.frames.join(" ")); // "address+ empty body+"
 * ```
 */
export const PppMessage = {
  /** Worker opens a conversation (W→Q). */
  READY: {
    section: "Command Specifications",
    from: ["worker"],
    command: "READY",
    frames: ["command"],
  },
  /** Either side is alive (W↔Q). */
  HEARTBEAT: {
    section: "Command Specifications; Heartbeating Specification",
    from: ["worker", "queue"],
    command: "HEARTBEAT",
    frames: ["command"],
  },
  /** The queue hands a request over (Q→W). */
  REQUEST: {
    section: "Command Specifications",
    from: ["queue"],
    command: null,
    frames: ["address+", "empty", "body+"],
  },
  /** The worker returns the reply with the request's address stack (W→Q). */
  REPLY: {
    section: "Command Specifications",
    from: ["worker"],
    command: null,
    frames: ["address+", "empty", "body+"],
  },
} as const;
/** The name of one 6/PPP message in {@linkcode PppMessage}. */
export type PppMessageName = keyof typeof PppMessage;

/**
 * Every way a 6/PPP message can be malformed, by class name, with the text
 * a `ProtocolError` carries as its `reason`. The codec returns these as
 * `ProtocolError.code`; the core's envelope reports the same names through
 * its numeric `EnvelopeError`.
 *
 * @example
 * ```ts
 * import { PppMalformation } from "./spec.ts";
 * console.log(PppMalformation.NO_BODY); // "no body frame"
 * ```
 */
export const PppMalformation = {
  /** The input is not an array of byte frames (codec only). */
  NOT_FRAMES: "not an array of Uint8Array frames",
  /** Fewer frames than the smallest message. */
  TOO_FEW_FRAMES: "too few frames",
  /** A one-frame message that is not exactly one octet of a known command. */
  BAD_COMMAND: "a one-frame message must be one byte of a known command",
  /** A known command that this side never receives (READY at a worker). */
  WRONG_DIRECTION: "command is not valid in this direction",
  /** The client address is empty or longer than 255 bytes. */
  BAD_ADDRESS: "client address must be 1 to 255 bytes",
  /** No empty delimiter where the address stack should end. */
  MISSING_DELIMITER: "missing empty delimiter after the client address",
  /** A request or reply with nothing after the delimiter. */
  NO_BODY: "no body frame",
} as const;
/** The name of one {@linkcode PppMalformation} class. */
export type PppMalformation = keyof typeof PppMalformation;
