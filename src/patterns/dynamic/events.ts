/**
 * Events of `DynamicWorkerServer`.
 * @module
 */

/**
 * What a `DynamicWorkerServer` reports through its `onEvent` option (and
 * listeners added with `on()`), one `area:verb` discriminated union. Jobs
 * are named by their sequence number.
 *
 * @example
 * ```ts
 * import type { DynamicWorkerServerEvent } from "@reliable/zmq";
 * const onEvent = (e: DynamicWorkerServerEvent) => {
 *   if (e.type === "job:timeout") console.log("job", e.job, "timed out");
 * };
 * onEvent({ type: "job:timeout", job: 7 });
 * ```
 */
export type DynamicWorkerServerEvent =
  | {
    /** A request got a slot and was handed to a worker. */
    readonly type: "job:started";
    readonly job: number;
  }
  | {
    /** A worker's reply was forwarded to its client. */
    readonly type: "job:answered";
    readonly job: number;
    /** `"200"`, or `"500"` when the worker reported its own failure. */
    readonly status: "200" | "500";
  }
  | {
    /** The job exceeded `jobTimeoutMs`: its client got `"504"`. */
    readonly type: "job:timeout";
    readonly job: number;
  }
  | {
    /** The job's worker died (crashed, killed, could not start): its client got `"500"`. */
    readonly type: "job:failed";
    readonly job: number;
    readonly reason: string;
  }
  | {
    /** Every worker busy and the queue full: the client got `"503"`. */
    readonly type: "request:refused";
    readonly reason: string;
  }
  | {
    /** A malformed message was dropped. */
    readonly type: "message:invalid";
    readonly socket: "frontend" | "backend";
    readonly reason: string;
  }
  | {
    /** A message over `maxFrameBytes` or `maxMessageBytes` was refused and its memory released. */
    readonly type: "message:oversize";
    readonly socket: "frontend" | "backend";
    readonly bytes: number;
    readonly reason: string;
  }
  | {
    /** A backend message for a job no longer (or never) outstanding was dropped. */
    readonly type: "reply:stale";
    readonly job: number;
  }
  | {
    /** A reply could not be delivered: its client is gone. */
    readonly type: "reply:dropped";
    readonly reason: string;
  };
