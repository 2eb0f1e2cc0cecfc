/**
 * The reply format of `DynamicWorkerServer`: a status frame, then
 * the body.
 * @module
 */
/**
 * Status codes: the first frame of every reply a
 * `DynamicWorkerServer` sends.
 *
 * | Status | Meaning | Following frames |
 * |---|---|---|
 * | `"200"` | the worker answered | the worker's reply frames |
 * | `"500"` | the worker failed (threw, crashed, returned no frames) | one UTF-8 frame: the error text |
 * | `"503"` | refused: every worker busy and the queue full | one UTF-8 frame: the reason |
 * | `"504"` | the worker exceeded `jobTimeoutMs` | one UTF-8 frame: the reason |
 *
 * @example
 * ```ts
 * import { DynamicStatus } from "@reliable/zmq";
 * console.log(DynamicStatus.OK); // "200"
 * ```
 */
export const DynamicStatus = {
  /** The worker answered. */
  OK: "200",
  /** The worker failed. */
  FAILED: "500",
  /** Refused: all workers busy and the queue full. */
  BUSY: "503",
  /** The worker timed out. */
  TIMEOUT: "504",
} as const;
/** One of the {@linkcode DynamicStatus} codes. */
export type DynamicStatus = typeof DynamicStatus[keyof typeof DynamicStatus];

/**
 * Splits a `DynamicWorkerServer` reply into its status and body.
 *
 * @param reply The frames a client received.
 * @returns `ok` (status `"200"`), the status, the body frames and, for
 * errors, the error text.
 * @throws {TypeError} If `reply` is not a non-empty array of `Uint8Array`.
 *
 * @example
 * ```ts
 * import { parseDynamicReply } from "@reliable/zmq";
 * const te = new TextEncoder();
 * const r = parseDynamicReply([te.encode("500"), te.encode("Error: boom")]);
 * console.log(r.ok, r.status, r.error); // false "500" "Error: boom"
 * ```
 */
export function parseDynamicReply(reply: readonly Uint8Array[]): {
  ok: boolean;
  status: string;
  body: Uint8Array[];
  error?: string;
} {
  if (
    !Array.isArray(reply) || reply.length === 0 ||
    !reply.every((f) => f instanceof Uint8Array)
  ) {
    throw new TypeError(
      "parseDynamicReply(): expected a non-empty array of Uint8Array frames",
    );
  }
  const td = new TextDecoder();
  const status = td.decode(reply[0]);
  const body = reply.slice(1);
  if (status === DynamicStatus.OK) return { ok: true, status, body };
  return {
    ok: false,
    status,
    body,
    error: body.length ? td.decode(body[0]) : "",
  };
}
