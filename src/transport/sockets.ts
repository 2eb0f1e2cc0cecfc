/**
 * The socket kinds: one class per libzmq socket type the library offers,
 * each a {@linkcode Socket} fixed to its type.
 *
 * @module
 */
import { Socket } from "./socket.ts";
import type { RouterSocketOptions, SocketOptions } from "./options.ts";

/**
 * A DEALER socket: asynchronous requests, round-robin over peers.
 * @example
 * ```ts
 * import { DealerSocket } from "@reliable/zmq";
 * const dealer = new DealerSocket({ routingId: "client-1", lingerMs: 0 });
 * dealer.close();
 * ```
 */
export class DealerSocket extends Socket {
  /**
   * Creates the socket.
   * @param options Socket options.
   */
  constructor(options: SocketOptions = {}) {
    super("DEALER", options);
  }
}

/**
 * A ROUTER socket: frame 0 of every received message is the sender's
 * routing id, and frame 0 of every sent message picks the destination.
 * @example
 * ```ts
 * import { RouterSocket } from "@reliable/zmq";
 * const router = new RouterSocket({ routerMandatory: true });
 * console.log(router.bind("tcp://127.0.0.1:*").startsWith("tcp://127.0.0.1:"));
 * router.close();
 * ```
 */
export class RouterSocket extends Socket {
  /**
   * Creates the socket.
   * @param options Socket options.
   */
  constructor(options: RouterSocketOptions = {}) {
    super("ROUTER", options);
  }
}

/**
 * A REQ socket: strict send, receive, send, ... alternation.
 * @example
 * ```ts
 * import { ReqSocket } from "@reliable/zmq";
 * const req = new ReqSocket();
 * req.close();
 * ```
 */
export class ReqSocket extends Socket {
  /**
   * Creates the socket.
   * @param options Socket options.
   */
  constructor(options: SocketOptions = {}) {
    super("REQ", options);
  }
}

/**
 * A REP socket: strict receive, send, receive, ... alternation.
 * @example
 * ```ts
 * import { RepSocket } from "@reliable/zmq";
 * const rep = new RepSocket();
 * rep.close();
 * ```
 */
export class RepSocket extends Socket {
  /**
   * Creates the socket.
   * @param options Socket options.
   */
  constructor(options: SocketOptions = {}) {
    super("REP", options);
  }
}

/**
 * A PUB socket: sends to every matching subscriber; never waits.
 * @example
 * ```ts
 * import { PubSocket } from "@reliable/zmq";
 * const pub = new PubSocket();
 * pub.close();
 * ```
 */
export class PubSocket extends Socket {
  /**
   * Creates the socket.
   * @param options Socket options.
   */
  constructor(options: SocketOptions = {}) {
    super("PUB", options);
  }
}

/**
 * A SUB socket: receives what its subscriptions match.
 * @example
 * ```ts
 * import { SubSocket } from "@reliable/zmq";
 * const sub = new SubSocket();
 * sub.subscribe("weather.");
 * sub.close();
 * ```
 */
export class SubSocket extends Socket {
  /**
   * Creates the socket.
   * @param options Socket options.
   */
  constructor(options: SocketOptions = {}) {
    super("SUB", options);
  }
  /**
   * Subscribes to messages whose first frame starts with `prefix`.
   * @param prefix The prefix; `""` matches everything.
   */
  subscribe(prefix: Uint8Array | string = ""): void {
    this.subscription(true, prefix);
  }
  /**
   * Removes a subscription.
   * @param prefix The prefix given to `subscribe`.
   */
  unsubscribe(prefix: Uint8Array | string = ""): void {
    this.subscription(false, prefix);
  }
}

/**
 * A PAIR socket: one exclusive peer.
 * @example
 * ```ts
 * import { PairSocket } from "@reliable/zmq";
 * const pair = new PairSocket();
 * pair.close();
 * ```
 */
export class PairSocket extends Socket {
  /**
   * Creates the socket.
   * @param options Socket options.
   */
  constructor(options: SocketOptions = {}) {
    super("PAIR", options);
  }
}
