/**
 * Events of the Titanic service (`area:verb`), delivered to its `onEvent`
 * option. Store events (`store:*`) come through the same hook.
 *
 * @module
 */
import type { StoreEvent } from "./store/events.ts";

/**
 * An event of a {@linkcode TitanicService}.
 *
 * @example Counting parked (poison) requests
 * ```ts
 * import type { TitanicEvent } from "./events.ts";
 * let parked = 0;
 * const onEvent = (e: TitanicEvent) => {
 *   if (e.type === "dispatch:parked") parked++;
 * };
 * ```
 */
export type TitanicEvent =
  | StoreEvent
  /** A `titanic.request` was stored (durably) and acknowledged. */
  | {
    readonly type: "request:stored";
    readonly uuid: string;
    readonly service: string;
  }
  /** A `titanic.request` was refused (`400` invalid, `500` not stored). */
  | {
    readonly type: "request:refused";
    readonly status: "400" | "500";
    readonly reason: string;
  }
  /** A `titanic.close` removed a request. */
  | { readonly type: "request:closed"; readonly uuid: string }
  /** A stored request was sent to its service. */
  | {
    readonly type: "dispatch:sent";
    readonly uuid: string;
    readonly service: string;
    readonly attempt: number;
  }
  /** Its reply was stored. */
  | {
    readonly type: "dispatch:replied";
    readonly uuid: string;
    readonly service: string;
    readonly attempts: number;
  }
  /** An attempt failed (no reply in time, or an error); it will be retried. */
  | {
    readonly type: "dispatch:failed";
    readonly uuid: string;
    readonly service: string;
    readonly attempt: number;
    readonly retryInMs: number;
    readonly error: string;
  }
  /** A request was given up after its last attempt (a poison message). */
  | {
    readonly type: "dispatch:parked";
    readonly uuid: string;
    readonly service: string;
    readonly attempts: number;
    readonly reason: string;
  }
  /** The broker says a service has no worker; requests for it wait. */
  | { readonly type: "service:absent"; readonly service: string }
  /** A service has workers again (or the broker has no MMI to ask). */
  | { readonly type: "service:present"; readonly service: string };
