/**
 * Binary Star's state exchange as data (zguide chapter 4, `bstarsrv`; there
 * is no RFC, see docs/BINARY_STAR.md). Each server publishes its state once
 * per heartbeat on a PUB socket; the peer's SUB receives it. The message is
 * one frame holding the sender's state number in ASCII decimal.
 *
 * | Frame | Sender's state | Event at the receiver |
 * |---|---|---|
 * | `"1"` | PRIMARY | PEER_PRIMARY |
 * | `"2"` | BACKUP | PEER_BACKUP |
 * | `"3"` | ACTIVE | PEER_ACTIVE |
 * | `"4"` | PASSIVE | PEER_PASSIVE |
 *
 * A leaf: it imports nothing and holds no code.
 *
 * @example
 * ```ts
 * import { BstarState } from "./spec.ts";
 * console.log(BstarState.ACTIVE); // 3
 * ```
 *
 * @module
 */

/**
 * Where the pattern is described.
 *
 * @example
 * ```ts
 * import { BSTAR_SPEC } from "./spec.ts";
 * console.log(BSTAR_SPEC.name); // "Binary Star"
 * ```
 */
export const BSTAR_SPEC = {
  /** Short name. */
  name: "Binary Star",
  /** Title. */
  title: "High-Availability Pair (Binary Star Pattern)",
  /** The guide's section. */
  url:
    "https://zguide.zeromq.org/docs/chapter4/#High-Availability-Pair-Binary-Star-Pattern",
} as const;

/**
 * The state numbers on the wire (the guide's `bstarsrv`).
 *
 * @example
 * ```ts
 * import { BstarState } from "./spec.ts";
 * console.log(BstarState.PRIMARY, BstarState.PASSIVE); // 1 4
 * ```
 */
export const BstarState = {
  /** Primary, waiting for the peer. */
  PRIMARY: 1,
  /** Backup, waiting for the peer. */
  BACKUP: 2,
  /** Active: accepts client requests. */
  ACTIVE: 3,
  /** Passive: rejects client requests. */
  PASSIVE: 4,
} as const;

/** A state number. */
export type BstarState = typeof BstarState[keyof typeof BstarState];

/**
 * The state message's layout.
 *
 * @example
 * ```ts
 * import { BstarMessage } from "./spec.ts";
 * console.log(BstarMessage.STATE.frames); // [ "state" ]
 * ```
 */
export const BstarMessage = {
  /** A server's state, once per heartbeat (and at once on a change). */
  STATE: {
    section: "zguide ch.4 bstarsrv",
    from: ["server"],
    frames: ["state"],
  },
} as const;

/**
 * Sizes the codec enforces.
 *
 * @example
 * ```ts
 * import { BstarLimits } from "./spec.ts";
 * console.log(BstarLimits.STATE_BYTES); // 1
 * ```
 */
export const BstarLimits = {
  /** Bytes of the state frame (one ASCII digit). */
  STATE_BYTES: 1,
} as const;

/**
 * Every way a state message can be malformed.
 *
 * @example
 * ```ts
 * import { BstarMalformation } from "./spec.ts";
 * console.log(BstarMalformation.BAD_STATE);
 * ```
 */
export const BstarMalformation = {
  /** The input is not an array of `Uint8Array`. */
  NOT_FRAMES: "message is not an array of frames",
  /** Not exactly one frame. */
  FRAME_COUNT: "state message must be exactly one frame",
  /** The frame is not one of "1", "2", "3", "4". */
  BAD_STATE: "state frame must be one ASCII digit 1-4",
} as const;

/** A malformation class name. */
export type BstarMalformation = keyof typeof BstarMalformation;
