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
 * A leaf: it imports nothing and holds no code.
 *
 * @example
 * ```ts
 * import { TspService, TspStatus } from "./spec.ts";
 * console.log(TspService.REPLY, TspStatus.PENDING); // "titanic.reply" "300"
 * ```
 *
 * @module
 */

/**
 * Where the specification lives.
 *
 * @example
 * ```ts
 * import { TSP_SPEC } from "./spec.ts";
 * console.log(TSP_SPEC.name); // "9/TSP"
 * ```
 */
export const TSP_SPEC = {
  /** Short name, as other RFCs cite it. */
  name: "9/TSP",
  /** Title. */
  title: "Titanic Service Protocol",
  /** The RFC. */
  url: "https://rfc.zeromq.org/spec/9/",
} as const;

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

/**
 * The prefix of the service names TSP uses (we refuse it as a target, so
 * that Titanic never dispatches to itself).
 *
 * @example
 * ```ts
 * import { TSP_SERVICE_PREFIX } from "./spec.ts";
 * console.log("titanic.reply".startsWith(TSP_SERVICE_PREFIX)); // true
 * ```
 */
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
 * The body frames of each TSP message (inside a 7/MDP client REQUEST or
 * REPLY whose service frame names the TSP service), with the RFC section
 * and the sender.
 *
 * Frame names: `service` is the target service name; `uuid` 32 hex
 * characters; `status` one {@linkcode TspStatus} (three digits, optionally
 * a space and text); `body+` one or more opaque frames; `reply*` zero or
 * more opaque frames (the stored reply, only with 200); `uuid?` the UUID,
 * only with 200; `reason?` a frame of text we add on 400/500 (ours).
 *
 * @example
 * ```ts
 * import { TspMessage } from "./spec.ts";
 * console.log(TspMessage.CLOSE_REPLY.body); // ["status"]
 * ```
 */
export const TspMessage = {
  /** Store this request (C→T, `titanic.request`). */
  STORE_REQUEST: {
    section: "The titanic.request Service",
    from: ["client"],
    service: "titanic.request",
    body: ["service", "body+"],
  },
  /** Stored: 200 and the UUID; or 400/500 (T→C). */
  STORE_REPLY: {
    section: "The titanic.request Service",
    from: ["titanic"],
    service: "titanic.request",
    body: ["status", "uuid?", "reason?"],
  },
  /** Is there a reply for this UUID? (C→T, `titanic.reply`). */
  REPLY_REQUEST: {
    section: "The titanic.reply Service",
    from: ["client"],
    service: "titanic.reply",
    body: ["uuid"],
  },
  /** 200 and the reply, 300 pending, 400 unknown, 500 error (T→C). */
  REPLY_REPLY: {
    section: "The titanic.reply Service",
    from: ["titanic"],
    service: "titanic.reply",
    body: ["status", "reply*", "reason?"],
  },
  /** Forget this UUID (C→T, `titanic.close`). */
  CLOSE_REQUEST: {
    section: "The titanic.close Service",
    from: ["client"],
    service: "titanic.close",
    body: ["uuid"],
  },
  /** Done: exactly one status frame (T→C). */
  CLOSE_REPLY: {
    section: "The titanic.close Service",
    from: ["titanic"],
    service: "titanic.close",
    body: ["status"],
  },
} as const;
/** The name of one TSP message in {@linkcode TspMessage}. */
export type TspMessageName = keyof typeof TspMessage;

/**
 * Every way a TSP message can be malformed, by class name, with the text a
 * `ProtocolError` carries as its `reason` (its `code` is the name).
 *
 * @example
 * ```ts
 * import { TspMalformation } from "./spec.ts";
 * console.log(TspMalformation.BAD_UUID); // "BAD_UUID"
 * ```
 */
export const TspMalformation = {
  /** The input is not an array of byte frames. */
  NOT_FRAMES: "not an array of Uint8Array frames",
  /** The message has no frames at all. */
  EMPTY: "no frames",
  /** `titanic.request`: the target service name is empty, over 255 bytes, not UTF-8 or has control characters. */
  BAD_SERVICE: "service name must be 1-255 bytes of printable UTF-8",
  /** `titanic.request`: no request body after the service name. */
  NO_BODY: "a request needs a body after the service name",
  /** The UUID frame is not 32 hexadecimal characters. */
  BAD_UUID: "UUID must be 32 hexadecimal characters",
  /** `titanic.reply`/`titanic.close` request: frames after the UUID. */
  EXTRA_FRAMES: "only a UUID frame is expected",
  /** A reply's status frame is not three digits (optionally followed by a space and text). */
  BAD_STATUS: "status must be three ASCII digits, alone or before a space",
  /** A reply's status is three digits but not a code TSP defines. */
  UNDEFINED_STATUS: "status is not a TSP code (200, 300, 400, 500)",
  /** A 200 reply to `titanic.request` without a valid UUID frame. */
  MISSING_UUID: "a 200 from titanic.request must carry a UUID",
} as const;
/** The name of one {@linkcode TspMalformation} class. */
export type TspMalformation = keyof typeof TspMalformation;
