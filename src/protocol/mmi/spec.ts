/**
 * 8/MMI, the Majordomo Management Interface
 * (https://rfc.zeromq.org/spec/8/), as data: the reserved namespace, the
 * services, the status codes, the bodies of each query and reply, and the
 * malformation classes.
 *
 * MMI rides on 7/MDP client messages: a query is a client REQUEST whose
 * service name starts with `mmi.`, and the broker answers it itself.
 *
 * | Service | Query body (C→B) | Reply body (B→C) |
 * |---|---|---|
 * | `mmi.service` | `[service name]` | `["200"]` if a worker is registered, else `["404"]` |
 * | `mmi.stats` (ours, not in the RFC) | any | `["200"][JSON]` |
 * | any other `mmi.*` | any | `["501"]` |
 *
 * A leaf: it imports nothing and holds no code.
 *
 * @example
 * ```ts
 * import { MMI_PREFIX, MmiStatus } from "./spec.ts";
 * console.log(MMI_PREFIX, MmiStatus.NOT_FOUND); // "mmi." "404"
 * ```
 *
 * @module
 */

/**
 * Where the specification lives.
 *
 * @example
 * ```ts
 * import { MMI_SPEC } from "./spec.ts";
 * console.log(MMI_SPEC.name); // "8/MMI"
 * ```
 */
export const MMI_SPEC = {
  /** Short name, as other RFCs cite it. */
  name: "8/MMI",
  /** Title. */
  title: "Majordomo Management Interface",
  /** The RFC. */
  url: "https://rfc.zeromq.org/spec/8/",
} as const;

/**
 * The prefix reserved for the broker's own services (RFC 8 § Namespace): a
 * broker answers these itself and disconnects a worker that registers one.
 *
 * @example
 * ```ts
 * import { MMI_PREFIX } from "./spec.ts";
 * console.log("mmi.service".startsWith(MMI_PREFIX)); // true
 * ```
 */
export const MMI_PREFIX = "mmi.";

/**
 * The one service 8/MMI requires (RFC 8 § Default services).
 *
 * @example
 * ```ts
 * import { MMI_SERVICE } from "./spec.ts";
 * console.log(MMI_SERVICE); // "mmi.service"
 * ```
 */
export const MMI_SERVICE = "mmi.service";

/**
 * Our statistics service, not standardized: replies `["200", json]`; other
 * brokers answer it `"501"`.
 *
 * @example
 * ```ts
 * import { MMI_STATS } from "./spec.ts";
 * console.log(MMI_STATS); // "mmi.stats"
 * ```
 */
export const MMI_STATS = "mmi.stats";

/**
 * MMI status codes, sent as bare three-digit ASCII frames (the RFC fixes no
 * suffix; the codec accepts `"404 text"` from other brokers).
 *
 * @example
 * ```ts
 * import { MmiStatus } from "./spec.ts";
 * console.log(MmiStatus.NOT_FOUND); // "404"
 * ```
 */
export const MmiStatus = {
  /** The service has at least one registered worker. */
  OK: "200",
  /** No worker is registered for the service. */
  NOT_FOUND: "404",
  /** The `mmi.*` service is not implemented. */
  NOT_IMPLEMENTED: "501",
} as const;
/** One of the {@linkcode MmiStatus} codes. */
export type MmiStatus = typeof MmiStatus[keyof typeof MmiStatus];

/**
 * The body frames of each MMI message (inside a 7/MDP client REQUEST or
 * REPLY whose service frame names the MMI service).
 *
 * Frame names: `service name` is the name asked about; `status` is one
 * {@linkcode MmiStatus}; `json` is UTF-8 JSON; `any+` is one or more frames
 * the broker ignores.
 *
 * @example
 * ```ts
 * import { MmiMessage } from "./spec.ts";
 * console.log(MmiMessage.SERVICE_QUERY.body[0]); // "service name"
 * ```
 */
export const MmiMessage = {
  /** Does a service have a worker? (C→B, service `mmi.service`). */
  SERVICE_QUERY: {
    section: "Default services",
    from: ["client"],
    service: "mmi.service",
    body: ["service name"],
  },
  /** The answer: `"200"` or `"404"` (B→C). */
  SERVICE_REPLY: {
    section: "Default services",
    from: ["broker"],
    service: "mmi.service",
    body: ["status"],
  },
  /** Our statistics query (C→B, service `mmi.stats`, not in the RFC). */
  STATS_QUERY: {
    section: "none (ours)",
    from: ["client"],
    service: "mmi.stats",
    body: ["any+"],
  },
  /** Our statistics reply: `"200"` then the JSON (B→C). */
  STATS_REPLY: {
    section: "none (ours)",
    from: ["broker"],
    service: "mmi.stats",
    body: ["status", "json"],
  },
  /** Any other `mmi.*` service: `"501"` (B→C). */
  NOT_IMPLEMENTED_REPLY: {
    section: "Default services",
    from: ["broker"],
    service: "mmi.*",
    body: ["status"],
  },
} as const;
/** The name of one MMI message in {@linkcode MmiMessage}. */
export type MmiMessageName = keyof typeof MmiMessage;

/**
 * Every way an MMI query or reply can be malformed, by class name, with the
 * text a `ProtocolError` carries as its `reason`.
 *
 * @example
 * ```ts
 * import { MmiMalformation } from "./spec.ts";
 * console.log(MmiMalformation.BAD_STATUS);
 * ```
 */
export const MmiMalformation = {
  /** The input is not an array of byte frames (or the service not bytes). */
  NOT_FRAMES: "not an array of Uint8Array frames",
  /** The service name does not start with `mmi.`. */
  NOT_MMI: "service is not in the mmi. namespace",
  /** The body has no frame where the message needs one. */
  NO_BODY: "no body frame",
  /** An `mmi.service` query names an empty service. */
  EMPTY_SERVICE: "empty service name",
  /** The first reply frame is not three ASCII digits, alone or before a space. */
  BAD_STATUS: "status must be three ASCII digits",
} as const;
/** The name of one {@linkcode MmiMalformation} class. */
export type MmiMalformation = keyof typeof MmiMalformation;
