/**
 * 9/TSP (Titanic Service Protocol, rfc.zeromq.org/spec/9) as data: the three
 * services, their frames, the status codes and the UUID format. A leaf
 * module: it imports nothing.
 *
 * TSP rides on 7/MDP: each message below is the body of an MDP/Client
 * request or reply (on the wire it follows `[""]["MDPC01"][service]`).
 *
 * | Service | Request body | Reply body |
 * |---|---|---|
 * | `titanic.request` | F0 target service (1-255 bytes), F1… request body (≥ 1 frame) | F0 status; F1 UUID when 200 |
 * | `titanic.reply` | F0 UUID | F0 status; F1… the stored reply when 200 |
 * | `titanic.close` | F0 UUID | F0 status (exactly one frame) |
 *
 * @module
 */

/** Where the protocol is specified. */
export const TSP_RFC = "rfc.zeromq.org/spec/9";

/**
 * The three MDP services a Titanic server provides (9/TSP "Services").
 *
 * @example
 * ```ts
 * import { TspService } from "./spec.ts";
 * console.log(TspService.REQUEST); // "titanic.request"
 * ```
 */
export const TspService = {
  /** Store a request; reply 200 and a UUID once stored. */
  REQUEST: "titanic.request",
  /** Fetch the reply for a UUID; idempotent (never deletes the reply). */
  REPLY: "titanic.reply",
  /** Delete the request and reply of a UUID; 200 even for an unknown UUID. */
  CLOSE: "titanic.close",
} as const;
/** One of the {@linkcode TspService} names. */
export type TspService = typeof TspService[keyof typeof TspService];

/** The prefix of the service names TSP reserves. */
export const TSP_SERVICE_PREFIX = "titanic.";

/**
 * Status codes (9/TSP "Status Frames"). A status frame holds three digits,
 * optionally followed by a space and text a client must not interpret.
 * TSP forbids codes it does not define.
 *
 * @example
 * ```ts
 * import { TspStatus } from "./spec.ts";
 * console.log(TspStatus.PENDING); // "300"
 * ```
 */
export const TspStatus = {
  /** Done; for `titanic.reply`, the target service answered too. */
  OK: "200",
  /** Not done yet: retry later. */
  PENDING: "300",
  /** Invalid or unknown UUID (we also use it for any invalid request): do not retry. */
  UNKNOWN: "400",
  /** Internal error (storage): retry later. */
  ERROR: "500",
} as const;
/** One of the {@linkcode TspStatus} codes. */
export type TspStatus = typeof TspStatus[keyof typeof TspStatus];

/**
 * Sizes and formats.
 *
 * @example
 * ```ts
 * import { TspLimits } from "./spec.ts";
 * console.log(TspLimits.UUID_CHARS); // 32
 * ```
 */
export const TspLimits = {
  /** A UUID is 32 hexadecimal characters, no dashes (the RFC's "A to Z" means A-F). */
  UUID_CHARS: 32,
  /** Bytes a UUID stands for (128 bits). */
  UUID_BYTES: 16,
  /** Shortest target service name, in bytes (7/MDP). */
  SERVICE_MIN_BYTES: 1,
  /** Longest target service name, in bytes (7/MDP). */
  SERVICE_MAX_BYTES: 255,
  /** Digits of a status code. */
  STATUS_DIGITS: 3,
} as const;

/**
 * The frames of each service, per direction, with the RFC section. `"1+"`
 * marks a run of one or more frames, `"0+"` zero or more.
 *
 * @example
 * ```ts
 * import { TspFrames } from "./spec.ts";
 * console.log(TspFrames["titanic.close"].reply); // ["status"]
 * ```
 */
export const TspFrames = {
  "titanic.request": {
    section: "The titanic.request Service",
    request: ["service", "body 1+"],
    reply: ["status", "uuid (200 only)"],
  },
  "titanic.reply": {
    section: "The titanic.reply Service",
    request: ["uuid"],
    reply: ["status", "reply 0+ (200 only)"],
  },
  "titanic.close": {
    section: "The titanic.close Service",
    request: ["uuid"],
    reply: ["status"],
  },
} as const;

/**
 * Why a TSP message was refused: the `code` of the `ProtocolError` the
 * decoders return.
 *
 * @example
 * ```ts
 * import { TspMalformation } from "./spec.ts";
 * console.log(TspMalformation.BAD_UUID); // "BAD_UUID"
 * ```
 */
export const TspMalformation = {
  /** The message has no frames at all. */
  EMPTY: "EMPTY",
  /** `titanic.request`: the target service name is empty, over 255 bytes, not UTF-8 or has control characters. */
  BAD_SERVICE: "BAD_SERVICE",
  /** `titanic.request`: no request body after the service name. */
  NO_BODY: "NO_BODY",
  /** The UUID frame is not 32 hexadecimal characters. */
  BAD_UUID: "BAD_UUID",
  /** `titanic.reply`/`titanic.close` request: frames after the UUID. */
  EXTRA_FRAMES: "EXTRA_FRAMES",
  /** A reply's status frame is not three digits (optionally followed by a space and text). */
  BAD_STATUS: "BAD_STATUS",
  /** A reply's status is three digits but not a code TSP defines. */
  UNDEFINED_STATUS: "UNDEFINED_STATUS",
  /** A 200 reply to `titanic.request` without a valid UUID frame. */
  MISSING_UUID: "MISSING_UUID",
} as const;
/** One of the {@linkcode TspMalformation} names. */
export type TspMalformation =
  typeof TspMalformation[keyof typeof TspMalformation];
