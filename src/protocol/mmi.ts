/**
 * 8/MMI (Majordomo Management Interface, rfc.zeromq.org/spec/8): service
 * names starting with `mmi.` are answered by the broker itself.
 *
 * | Request body (client → broker, service `mmi.service`) | Reply body |
 * |---|---|
 * | `[service name]` | `["200"]` when a worker is registered, else `["404"]` |
 * | any other `mmi.*` service | `["501"]` |
 *
 * Our broker also answers `mmi.stats` (not standardized, see
 * `MajordomoBroker`): reply `["200", <JSON>]`.
 *
 * @module
 */

const te = new TextEncoder();
const td = new TextDecoder();

/**
 * The prefix reserved for the broker's own services.
 *
 * @example
 * ```ts
 * import { MMI_PREFIX } from "@reliable/zmq";
 * console.log("mmi.service".startsWith(MMI_PREFIX)); // true
 * ```
 */
export const MMI_PREFIX = "mmi.";
/**
 * The one service 8/MMI requires.
 *
 * @example
 * ```ts
 * import { MMI_SERVICE } from "@reliable/zmq";
 * console.log(MMI_SERVICE); // "mmi.service"
 * ```
 */
export const MMI_SERVICE = "mmi.service";
/**
 * Our (non-standard) statistics service: replies `["200", json]`.
 *
 * @example
 * ```ts
 * import { MMI_STATS } from "@reliable/zmq";
 * console.log(MMI_STATS); // "mmi.stats"
 * ```
 */
export const MMI_STATS = "mmi.stats";

/**
 * MMI status codes, sent as bare three-digit ASCII frames.
 *
 * @example
 * ```ts
 * import { MmiStatus } from "@reliable/zmq";
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
 * `"200"`, `"404"`, `"501"` as frames (shared; never mutate).
 *
 * @example
 * ```ts
 * import { MMI_FRAME } from "./mmi.ts";
 * console.log(MMI_FRAME["404"].length); // 3
 * ```
 */
export const MMI_FRAME: Readonly<Record<MmiStatus, Uint8Array>> = {
  "200": te.encode("200"),
  "404": te.encode("404"),
  "501": te.encode("501"),
};

const PREFIX_BYTES = te.encode(MMI_PREFIX);

/**
 * Tells whether a service name is reserved for MMI (starts with `mmi.`).
 *
 * @param service The name, as a string or bytes.
 * @returns Whether it starts with `mmi.`.
 * @throws {TypeError} When it is neither a string nor bytes.
 * @example
 * ```ts
 * import { isMmiService } from "@reliable/zmq";
 * console.log(isMmiService("mmi.service"), isMmiService("echo")); // true false
 * ```
 */
export function isMmiService(service: string | Uint8Array): boolean {
  if (typeof service === "string") return service.startsWith(MMI_PREFIX);
  if (!(service instanceof Uint8Array)) {
    throw new TypeError("service must be a string or Uint8Array");
  }
  if (service.length < 4) return false;
  for (let i = 0; i < 4; i++) if (service[i] !== PREFIX_BYTES[i]) return false;
  return true;
}

/**
 * Reads the status code of an MMI reply body: its first frame's first three
 * bytes when they are ASCII digits.
 *
 * @param body The reply body.
 * @returns The three-digit code, or `null` when there is none.
 * @example
 * ```ts
 * import { parseMmiStatus } from "@reliable/zmq";
 * console.log(parseMmiStatus([new TextEncoder().encode("404")])); // "404"
 * ```
 */
export function parseMmiStatus(body: readonly Uint8Array[]): string | null {
  if (!Array.isArray(body) || !(body[0] instanceof Uint8Array)) return null;
  const f = body[0];
  if (f.length < 3) return null;
  for (let i = 0; i < 3; i++) if (f[i] < 0x30 || f[i] > 0x39) return null;
  if (f.length > 3 && f[3] !== 0x20) return null;
  return td.decode(f.subarray(0, 3));
}
