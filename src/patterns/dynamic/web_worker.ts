/**
 * The Web Worker side of {@linkcode DynamicWorkerServer}: a worker module
 * calls {@linkcode serveDynamicWorker} with its task. This file imports no
 * socket code, so a worker module loads nothing but the task.
 * @module
 */
import type { Frame, Message } from "../../types.ts";

/**
 * A job: gets the request body and returns the reply body; may be async.
 * Throwing makes the server send an error reply (status `"500"`).
 *
 * @example
 * ```ts
 * import type { DynamicTask } from "@reliable/zmq";
 * const upper: DynamicTask = (req) => [new TextDecoder().decode(req[0]).toUpperCase()];
 * ```
 */
export type DynamicTask = (
  request: Message,
  context: { readonly signal: AbortSignal },
) => readonly Frame[] | Promise<readonly Frame[]>;

/** Main thread → Web Worker. @internal */
export interface JobMessage {
  readonly id: number;
  readonly frames: Uint8Array[];
}
/** Web Worker → main thread. @internal */
export type ResultMessage =
  | { readonly id: number; readonly ok: true; readonly frames: Frame[] }
  | { readonly id: number; readonly ok: false; readonly error: string };

interface WorkerScope {
  onmessage: ((e: MessageEvent<JobMessage>) => void) | null;
  postMessage(message: ResultMessage, transfer?: Transferable[]): void;
}

/**
 * Serves jobs inside a Deno Web Worker started by a
 * {@linkcode DynamicWorkerServer} whose `worker` option is this module's
 * URL. Each job's frames arrive from the server; the task's reply (or its
 * error) goes back to the server, which answers the client.
 *
 * @param task The job to run for each request.
 * @throws {TypeError} If `task` is not a function, or when not called
 * inside a Web Worker.
 *
 * @example A worker module (`upper_worker.ts`)
 * ```ts ignore
 * import { serveDynamicWorker } from "@reliable/zmq";
 * serveDynamicWorker((req) => [new TextDecoder().decode(req[0]).toUpperCase()]);
 * ```
 */
export function serveDynamicWorker(task: DynamicTask): void {
  if (typeof task !== "function") {
    throw new TypeError("serveDynamicWorker(): task must be a function");
  }
  const scope = globalThis as unknown as WorkerScope;
  if (typeof scope.postMessage !== "function" || !("onmessage" in scope)) {
    throw new TypeError(
      "serveDynamicWorker(): must be called inside a Web Worker",
    );
  }
  const signal = new AbortController().signal;
  scope.onmessage = async (e: MessageEvent<JobMessage>) => {
    const { id, frames } = e.data;
    try {
      const reply = await task(frames, { signal });
      if (!Array.isArray(reply) || reply.length === 0) {
        throw new TypeError("task must return a non-empty array of frames");
      }
      scope.postMessage({ id, ok: true, frames: [...reply] });
    } catch (err) {
      scope.postMessage({
        id,
        ok: false,
        error: err instanceof Error
          ? `${err.name}: ${err.message}`
          : String(err),
      });
    }
  };
}
