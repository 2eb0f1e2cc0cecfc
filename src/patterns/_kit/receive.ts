/**
 * The receive loop of a pattern shell: wait for one message, then take up
 * to `batch` more that are already there without waiting, hand each to
 * `handle`, and repeat until the socket closes. Private.
 *
 * @module
 */
import { ClosedError } from "../../errors.ts";
import type { Message } from "../../types.ts";
import type { Logger } from "../../_util/logger.ts";

/** What the loop needs of a socket. */
export interface ReceivingSocket {
  /** Waits for the next message. */
  receive(): Promise<Message>;
  /** The next message if one is waiting, else `null`. */
  tryReceive(): Message | null;
}

/**
 * Runs until the socket closes. A `ClosedError` (or any error once
 * `closing()` is true) ends it quietly; any other error is logged once and
 * ends it.
 *
 * @param socket Where messages come from.
 * @param handle Called with each message, in order.
 * @param closing Whether the owner is shutting down.
 * @param log Where an unexpected end is reported.
 * @param batch Most messages taken per wake-up without waiting.
 *
 * @example
 * ```ts
 * import { receiveLoop } from "./receive.ts";
 * import { silentLogger } from "../../_util/logger.ts";
 * import { ClosedError } from "../../errors.ts";
 * const queue = [[new Uint8Array([1])], [new Uint8Array([2])]];
 * const socket = {
 *   receive: () => queue.length ? Promise.resolve(queue.shift()!) : Promise.reject(new ClosedError("closed")),
 *   tryReceive: () => queue.shift() ?? null,
 * };
 * let n = 0;
 * await receiveLoop(socket, () => n++, () => false, silentLogger);
 * console.log(n); // 2
 * ```
 */
export async function receiveLoop(
  socket: ReceivingSocket,
  handle: (message: Message) => void,
  closing: () => boolean,
  log: Logger,
  batch = 256,
): Promise<void> {
  try {
    for (;;) {
      handle(await socket.receive());
      for (let i = 0; i < batch; i++) {
        const m = socket.tryReceive();
        if (m === null) break;
        handle(m);
      }
    }
  } catch (e) {
    if (!(e instanceof ClosedError) && !closing()) {
      log.error("receive loop stopped", { error: String(e) });
    }
  }
}
