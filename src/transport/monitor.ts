/**
 * Socket monitors: a socket's connection events (`zmq_socket_monitor`) read
 * from an inproc PAIR socket and decoded.
 *
 * @module
 */
import { ClosedError } from "../errors.ts";
import type { Message } from "../types.ts";
import type { Socket } from "./socket.ts";
import type { WaitOptions } from "./waiters.ts";

const decoder = new TextDecoder();

/** One connection event from {@linkcode Socket.monitor}. */
export interface MonitorEvent {
  /** The event, e.g. `"connected"`, `"accepted"`, `"disconnected"`. */
  type: string;
  /** The event's value: a file descriptor, an errno or a reconnect interval. */
  value: number;
  /** The endpoint the event is about. */
  endpoint: string;
}

const EVENT_NAMES: Record<number, string> = {
  0x0001: "connected",
  0x0002: "connect-delayed",
  0x0004: "connect-retried",
  0x0008: "listening",
  0x0010: "bind-failed",
  0x0020: "accepted",
  0x0040: "accept-failed",
  0x0080: "closed",
  0x0100: "close-failed",
  0x0200: "disconnected",
  0x0400: "monitor-stopped",
  0x0800: "handshake-failed-no-detail",
  0x1000: "handshake-succeeded",
  0x2000: "handshake-failed-protocol",
  0x4000: "handshake-failed-auth",
};

/**
 * A stream of a socket's connection events. Ends when the socket or the
 * monitor closes.
 *
 * @example
 * ```ts
 * import { DealerSocket, RouterSocket } from "@reliable/zmq";
 * const router = new RouterSocket();
 * const endpoint = router.bind("tcp://127.0.0.1:*");
 * const events = router.monitor();
 * const dealer = new DealerSocket();
 * dealer.connect(endpoint);
 * for await (const ev of events) {
 *   if (ev.type === "accepted") break;
 * }
 * events.close();
 * dealer.close();
 * router.close();
 * ```
 */
export class SocketMonitor implements AsyncIterable<MonitorEvent> {
  readonly #pair: Socket;
  /** @internal */
  constructor(pair: Socket) {
    this.#pair = pair;
  }

  /**
   * Waits for the next event.
   * @param options A time limit and/or an abort signal.
   * @returns The event, or `null` once the monitor has stopped.
   * @throws {TimeoutError} When `timeoutMs` passed with no event.
   */
  async next(options?: WaitOptions): Promise<MonitorEvent | null> {
    let msg: Message;
    try {
      msg = await this.#pair.receive(options);
    } catch (e) {
      if (e instanceof ClosedError) return null;
      throw e;
    }
    const head = new DataView(msg[0].buffer, msg[0].byteOffset);
    const code = head.getUint16(0, true);
    const ev: MonitorEvent = {
      type: EVENT_NAMES[code] ?? `event-${code}`,
      value: head.getUint32(2, true),
      endpoint: decoder.decode(msg[1] ?? new Uint8Array()),
    };
    if (code === 0x0400) this.close();
    return ev;
  }

  /** Iterates over events until the monitor stops. */
  async *[Symbol.asyncIterator](): AsyncIterator<MonitorEvent> {
    for (;;) {
      const ev = await this.next();
      if (ev === null) return;
      yield ev;
    }
  }

  /** Stops the monitor. Idempotent. */
  close(): void {
    this.#pair.close();
  }
}
