/**
 * Events a Titanic store reports through its `onEvent` option.
 *
 * @experimental
 * @module
 */

/**
 * A store event (`area:verb`).
 *
 * @experimental
 * @example
 * ```ts
 * import type { StoreEvent } from "./events.ts";
 * const onEvent = (e: StoreEvent) => {
 *   if (e.type === "store:tail-cut") console.log(`cut ${e.bytes} bytes`);
 * };
 * ```
 */
export type StoreEvent =
  /** The store was opened and its index rebuilt. */
  | {
    readonly type: "store:opened";
    readonly segments: number;
    readonly pending: number;
    readonly replied: number;
    readonly parked: number;
    readonly tailBytesCut: number;
    readonly damagedSegments: number;
  }
  /** A torn tail (unacknowledged writes) was cut at start-up. */
  | {
    readonly type: "store:tail-cut";
    readonly segment: number;
    readonly offset: number;
    readonly bytes: number;
  }
  /** A damaged record was found; nothing after it in that segment is read. */
  | {
    readonly type: "store:damaged";
    readonly segment: number;
    readonly offset: number;
    readonly bytes: number;
  }
  /** A segment was compacted away. */
  | {
    readonly type: "store:compacted";
    readonly segment: number;
    readonly copiedRecords: number;
    readonly freedBytes: number;
  }
  /** A write (or its sync) failed; the writes in that commit were refused. */
  | { readonly type: "store:write-failed"; readonly error: Error };
