/**
 * 10/FLP, the Freelance Protocol (https://rfc.zeromq.org/spec/10/), as
 * data: the two commands with their wire names, the frames of every
 * message, limits and the malformation classes.
 *
 * A leaf: it imports nothing and holds no code. The codec and the docs read
 * it; the conformance vectors (`vectors.ts`) are written independently and
 * catch a wrong value.
 *
 * Both sides use ROUTER sockets. A server's routing identity is its public
 * endpoint (`tcp://10.1.2.3:5555`); clients leave theirs unset. There is no
 * empty delimiter anywhere in FLP.
 *
 * | Message | Sent by | Client's ROUTER writes | Server's ROUTER reads |
 * |---|---|---|---|
 * | PING | client | `[endpoint]["PING"]` | `[id(c)]["PING"]` |
 * | PONG | server | (reads) `[endpoint]["PONG"]` | (writes) `[id(c)]["PONG"]` |
 * | REQUEST | client | `[endpoint][control][body…]` | `[id(c)][control][body…]` |
 * | REPLY | server | (reads) `[endpoint][control][reply…]` | (writes) `[id(c)][control][reply…]` |
 *
 * A one-frame `"PING"` and a request whose control frame is `"PING"`
 * differ only by their frame count; our peers tell them apart by it.
 *
 * @example
 * ```ts
 * import { FlpCommand, FlpMessage } from "./spec.ts";
 * console.log(FlpCommand.PING, FlpMessage.REQUEST.frames.join(" ")); // "PING" "control body+"
 * ```
 *
 * @module
 */

/**
 * Where the specification lives.
 *
 * @example
 * ```ts
 * import { FLP_SPEC } from "./spec.ts";
 * console.log(FLP_SPEC.name); // "10/FLP"
 * ```
 */
export const FLP_SPEC = {
  /** Short name, as other RFCs cite it. */
  name: "10/FLP",
  /** Title. */
  title: "Freelance Protocol",
  /** The RFC. */
  url: "https://rfc.zeromq.org/spec/10/",
} as const;

/**
 * The 10/FLP commands (RFC 10 § Heartbeating), each a one-frame message
 * of exactly these four ASCII bytes.
 *
 * @example
 * ```ts
 * import { FlpCommand } from "./spec.ts";
 * console.log(FlpCommand.PONG); // "PONG"
 * ```
 */
export const FlpCommand = {
  /** A client asks whether the server is alive. */
  PING: "PING",
  /** The server's answer to a PING. */
  PONG: "PONG",
} as const;
/** One of the {@linkcode FlpCommand} words. */
export type FlpCommand = typeof FlpCommand[keyof typeof FlpCommand];

/**
 * Sizes the codec enforces.
 *
 * @example
 * ```ts
 * import { FlpLimits } from "./spec.ts";
 * console.log(FlpLimits.IDENTITY_MAX_BYTES); // 255
 * ```
 */
export const FlpLimits = {
  /** Bytes of a command frame (`"PING"`, `"PONG"`). */
  COMMAND_BYTES: 4,
  /** Smallest routing identity (a ROUTER identity is never empty). */
  IDENTITY_MIN_BYTES: 1,
  /** Largest routing identity, so the longest server endpoint (libzmq). */
  IDENTITY_MAX_BYTES: 255,
  /** Largest control frame our peers accept (the RFC sets none; ours are short). */
  CONTROL_MAX_BYTES: 255,
} as const;

/**
 * The frames of every 10/FLP message on the wire, without the routing
 * identity a ROUTER adds in front on receive (and takes off on send).
 *
 * Frame names: `command` is one of the {@linkcode FlpCommand} words;
 * `control` is the client control frame, opaque to the server, echoed byte
 * for byte; `body+` is one or more opaque frames, always last.
 *
 * @example
 * ```ts
 * import { FlpMessage } from "./spec.ts";
 * console.log(FlpMessage.PING.frames.length); // 1
 * ```
 */
export const FlpMessage = {
  /** The client checks the server (C→S). */
  PING: {
    section: "Heartbeating",
    from: ["client"],
    command: "PING",
    frames: ["command"],
  },
  /** The server answers a PING (S→C). */
  PONG: {
    section: "Heartbeating",
    from: ["server"],
    command: "PONG",
    frames: ["command"],
  },
  /** A request: the client control frame and the body (C→S). */
  REQUEST: {
    section: "Request-Reply",
    from: ["client"],
    command: null,
    frames: ["control", "body+"],
  },
  /** The reply: the request's control frame, echoed, then the reply (S→C). */
  REPLY: {
    section: "Request-Reply",
    from: ["server"],
    command: null,
    frames: ["control", "body+"],
  },
} as const;
/** The name of one 10/FLP message in {@linkcode FlpMessage}. */
export type FlpMessageName = keyof typeof FlpMessage;

/**
 * Every way a 10/FLP message can be malformed, by class name, with the text
 * a `ProtocolError` carries as its `reason`. A request or reply needs a
 * control frame and at least one body frame, so a two-frame message
 * (identity and one frame) is always read as a command: `[id]["17"]` is
 * `BAD_COMMAND`, not a request without a body.
 *
 * @example
 * ```ts
 * import { FlpMalformation } from "./spec.ts";
 * console.log(FlpMalformation.BAD_COMMAND); // 'a one-frame message must be "PING" or "PONG"'
 * ```
 */
export const FlpMalformation = {
  /** The input is not an array of byte frames (codec only). */
  NOT_FRAMES: "not an array of Uint8Array frames",
  /** Nothing after the routing identity. */
  TOO_FEW_FRAMES: "too few frames",
  /** The routing identity is empty or longer than 255 bytes. */
  BAD_IDENTITY: "routing identity must be 1 to 255 bytes",
  /** A one-frame message that is neither PING nor PONG. */
  BAD_COMMAND: 'a one-frame message must be "PING" or "PONG"',
  /** A command this side never receives (PONG at a server, PING at a client). */
  WRONG_DIRECTION: "command is not valid in this direction",
  /** The control frame is longer than 255 bytes (ours, not the RFC's). */
  BAD_CONTROL: "control frame must be at most 255 bytes",
} as const;
/** The name of one {@linkcode FlpMalformation} class. */
export type FlpMalformation = keyof typeof FlpMalformation;
