/**
 * The socket: one libzmq socket driven by the process's reactor.
 *
 * Every operation first tries libzmq without blocking (`ZMQ_DONTWAIT`); only
 * when nothing is ready does it wait, as a FIFO waiter woken by the process's
 * one reactor (`reactor.ts`). An `EAGAIN` from a non-blocking call is
 * authoritative: libzmq processes its pending commands before it answers, so
 * the socket's ZMQ_FD will signal the next change. Because ZMQ_FD is
 * edge-triggered, a successful operation may swallow the signal meant for the
 * other direction, so after each operation a socket with waiters in the other
 * direction is serviced again on the spot.
 *
 * Received frames are staged in reusable `zmq_msg_t` slots and copied once,
 * either into one buffer per message ({@linkcode Socket.receive}) or straight
 * into caller-owned memory ({@linkcode Socket.receiveInto}); see `staging.ts`.
 *
 * @module
 */
import { ClosedError, TimeoutError } from "../errors.ts";
import type { Frame, Message, ReceiveSink } from "../types.ts";
import { Errno, sendError } from "./errno.ts";
import { cstr, lastError, lib, usize } from "./libzmq.ts";
import { reactor } from "./reactor.ts";
import {
  acquireContext,
  openSockets,
  releaseContext,
  terminateContext,
} from "./context.ts";
import {
  applyOptions,
  encodeOptions,
  getBytesOption,
  getIntOption,
  isRouterOnly,
  pollEvents,
  type RouterSocketOptions,
  setIntOption,
  setOption,
  ZMQ_FD,
  ZMQ_LAST_ENDPOINT,
  ZMQ_RECONNECT_IVL,
  ZMQ_RECONNECT_IVL_MAX,
  ZMQ_ROUTING_ID,
} from "./options.ts";
import { fillSink, stage, stagedUserId, takeMessage } from "./staging.ts";
import { enqueue, settle, type Waiter, type WaitOptions } from "./waiters.ts";
import { SocketMonitor } from "./monitor.ts";
import { checkFrames, checkWait } from "./checks.ts";
import { bindTo, connectTo, detachFrom } from "./endpoints.ts";
import { jitteredReconnectIvl, SOCKET_DEFAULTS } from "./_defaults.ts";
import { checkFileDescriptors, claimDescriptors } from "./fd_limit.ts";

/** Endpoints whose connections take a file descriptor each. */
const STREAM_RE = /^(tcp|ipc):/;

const ZMQ_SNDMORE = 2;
const ZMQ_DONTWAIT = 1;
const ZMQ_POLLIN = 1;
const ZMQ_POLLOUT = 2;
/** While sends wait, how often the socket is looked at regardless of ZMQ_FD. */
const SEND_RECHECK_MS = 5;
const ZMQ_SUBSCRIBE = 6;
const ZMQ_UNSUBSCRIBE = 7;

/** libzmq socket types by name. */
export const SocketType = {
  PAIR: 0,
  PUB: 1,
  SUB: 2,
  REQ: 3,
  REP: 4,
  DEALER: 5,
  ROUTER: 6,
  PULL: 7,
  PUSH: 8,
} as const;
/** The name of a socket type, e.g. `"DEALER"`. */
export type SocketTypeName = keyof typeof SocketType;

/** The class name of each type, for messages. */
const CLASS_NAMES: Record<SocketTypeName, string> = {
  PAIR: "PairSocket",
  PUB: "PubSocket",
  SUB: "SubSocket",
  REQ: "ReqSocket",
  REP: "RepSocket",
  DEALER: "DealerSocket",
  ROUTER: "RouterSocket",
  PULL: "Socket(PULL)",
  PUSH: "Socket(PUSH)",
};

const encoder = new TextEncoder();
const decoder = new TextDecoder();

let nextId = 1;
const live = new Set<Socket>();

/** Where string frames are encoded for `zmq_send` (which copies them). */
const scratch = new Uint8Array(1024);

/**
 * Sizes 0-4096 as BigInts, made once. Deno's fast FFI path takes a `usize`
 * parameter as a BigInt; a plain number falls back to the slow path
 * (measured: a `zmq_send` of 11 bytes 170 ns with a BigInt, 700 ns with a
 * number), and `BigInt(n)` per call allocates.
 */
const SIZES: bigint[] = Array.from({ length: 4097 }, (_, n) => BigInt(n));

/** `n` as a `usize` argument. */
function sizeArg(n: number): bigint {
  return n < SIZES.length ? SIZES[n] : BigInt(n);
}

/**
 * Sends one frame without waiting: strings are encoded into a reusable
 * buffer (ASCII by a plain loop), bytes are passed as they are; an `EINTR`
 * (a signal while libzmq waited on its command mailbox, before it took the
 * frame) is retried.
 * @returns 0, or the errno of the failure.
 */
function sendFrame(h: Deno.PointerObject, f: Frame, flags: number): number {
  const zmq = lib().zmq;
  let bytes: Uint8Array;
  let len: number;
  if (typeof f === "string") {
    len = f.length;
    if (len <= 341) { // at most 3 bytes per UTF-16 unit: fits the scratch
      bytes = scratch;
      let k = 0;
      for (; k < len; k++) {
        const c = f.charCodeAt(k);
        if (c >= 0x80) break;
        scratch[k] = c;
      }
      if (k < len) len = encoder.encodeInto(f, scratch).written;
    } else {
      bytes = encoder.encode(f);
      len = bytes.length;
    }
  } else {
    bytes = f;
    len = f.byteLength;
  }
  for (;;) {
    if (zmq.zmq_send(h, bytes, sizeArg(len), flags) >= 0) return 0;
    const errno = zmq.zmq_errno();
    if (errno !== Errno.EINTR) return errno;
  }
}

/**
 * A ZeroMQ socket. Use the typed subclasses ({@linkcode DealerSocket},
 * {@linkcode RouterSocket}, ...) or `new Socket("DEALER")`.
 *
 * All methods run on the calling thread; waiting is done by the process's
 * reactor, never by blocking. `close()` is idempotent and rejects pending
 * operations with `ClosedError`.
 *
 * @example A DEALER talking to a ROUTER
 * ```ts
 * import { DealerSocket, RouterSocket } from "@reliable/zmq";
 * const router = new RouterSocket();
 * const endpoint = router.bind("tcp://127.0.0.1:*");
 * const dealer = new DealerSocket();
 * dealer.connect(endpoint);
 * await dealer.send(["hello"]);
 * const [id, body] = await router.receive();
 * await router.send([id, body]);
 * console.log(new TextDecoder().decode((await dealer.receive())[0])); // "hello"
 * dealer.close();
 * router.close();
 * ```
 */
export class Socket implements AsyncDisposable, AsyncIterable<Message> {
  /** The socket type. */
  readonly type: SocketTypeName;
  /** e.g. `"DealerSocket"`, for messages. */
  readonly #name: string;
  #handle: Deno.PointerObject | null;
  readonly #id: number;
  readonly #fd: number;
  readonly #recvQ: Waiter[] = [];
  readonly #sendQ: Waiter[] = [];
  #waiting = false;
  #monitor: SocketMonitor | undefined;
  /** Runs first in `close()` (a monitor's PAIR: stop libzmq's monitor). */
  #beforeClose: (() => void) | undefined;
  #dropped = 0;
  #connections = 0;
  #reconnectIvl = 100;
  #reconnectMax = 0;
  #wantUserId = false;
  #userId = "";

  /**
   * Creates a socket of the given type in the process's context.
   * @param type The socket type.
   * @param options Socket options, applied before any bind or connect
   *   (ROUTER-only options only for `"ROUTER"`).
   * @throws {TypeError} On an unknown type, an unknown option (the message
   *   lists the known ones) or a badly typed option.
   * @throws {RangeError} On an option value out of range.
   */
  constructor(type: SocketTypeName, options: RouterSocketOptions = {}) {
    if (typeof type !== "string" || !Object.hasOwn(SocketType, type)) {
      throw new TypeError(
        `Socket: type must be one of ${
          Object.keys(SocketType).join(", ")
        }, got ${JSON.stringify(type)}`,
      );
    }
    this.type = type;
    this.#name = CLASS_NAMES[type];
    // Every value is checked before anything is created.
    const encoded = encodeOptions(this.#name, options, type === "ROUTER");
    const { zmq } = lib();
    checkFileDescriptors(`open a ${type} socket`);
    const ctx = acquireContext();
    const handle = zmq.zmq_socket(ctx, SocketType[type]);
    if (handle === null) {
      releaseContext();
      throw lastError("socket");
    }
    this.#handle = handle;
    try {
      // Our defaults where they differ from libzmq's (see _defaults.ts),
      // then the caller's options.
      for (const [id, v] of SOCKET_DEFAULTS) setIntOption(handle, id, v);
      applyOptions(handle, this.#name, encoded);
      this.#reconnectIvl = getIntOption(handle, ZMQ_RECONNECT_IVL);
      this.#reconnectMax = getIntOption(handle, ZMQ_RECONNECT_IVL_MAX);
      this.#jitterReconnect(handle);
      this.#fd = getIntOption(handle, ZMQ_FD);
    } catch (e) {
      zmq.zmq_close(handle);
      this.#handle = null;
      releaseContext();
      throw e;
    }
    this.#id = nextId++;
    claimDescriptors(1);
    reactor().register(this.#id, this.#fd, { onReady: () => this.#onReady() });
    live.add(this);
  }

  /** Whether `close()` has been called. */
  get closed(): boolean {
    return this.#handle === null;
  }

  /** Messages refused by a `ReceiveSink` (and so dropped) on this socket. */
  get droppedMessages(): number {
    return this.#dropped;
  }

  #h(method: string): Deno.PointerObject {
    if (this.#handle === null) {
      throw new ClosedError(`Cannot ${method}: ${this.type} socket is closed`);
    }
    return this.#handle;
  }

  // ---- options ---------------------------------------------------------------

  /**
   * Sets one option by its {@linkcode RouterSocketOptions} name.
   * @param name The option, e.g. `"sendHighWaterMark"`.
   * @param value Its value.
   * @throws {TypeError} On an unknown option, a ROUTER-only option on another
   *   type, or a value of the wrong type.
   * @throws {RangeError} On a value out of range, or one libzmq rejects.
   */
  setOption(name: string, value: unknown): void {
    if (this.type !== "ROUTER" && isRouterOnly(name)) {
      throw new TypeError(
        `${this.#name}.setOption(): ${name} is an option of ROUTER sockets only`,
      );
    }
    const h = this.#h("set an option");
    setOption(() => h, `${this.#name}.setOption()`, name, value);
    if (name === "reconnectInitialMs" || name === "reconnectMaxMs") {
      this.#reconnectIvl = getIntOption(h, ZMQ_RECONNECT_IVL);
      this.#reconnectMax = getIntOption(h, ZMQ_RECONNECT_IVL_MAX);
      this.#jitterReconnect(h);
    }
  }

  /** See `jitteredReconnectIvl`: a per-socket random base reconnect delay. */
  #jitterReconnect(h: Deno.PointerObject): void {
    const ivl = jitteredReconnectIvl(this.#reconnectIvl, this.#reconnectMax);
    if (ivl !== this.#reconnectIvl) setIntOption(h, ZMQ_RECONNECT_IVL, ivl);
  }

  /** The socket's routing id (`ZMQ_ROUTING_ID`); empty when none was set. */
  get routingId(): Uint8Array {
    return getBytesOption(this.#h("get an option"), ZMQ_ROUTING_ID);
  }

  /** The endpoint of the last successful bind or connect (`ZMQ_LAST_ENDPOINT`). */
  get lastEndpoint(): string {
    const b = getBytesOption(this.#h("get an option"), ZMQ_LAST_ENDPOINT);
    return decoder.decode(b[b.length - 1] === 0 ? b.subarray(0, -1) : b);
  }

  // ---- endpoints -------------------------------------------------------------

  /**
   * Binds to an endpoint and returns the endpoint actually bound: with port
   * `*` or `0` the one the system picked, e.g. `tcp://127.0.0.1:40123`.
   *
   * @param endpoint e.g. `tcp://127.0.0.1:*`, `tcp://*:5555`,
   *   `tcp://[::1]:*`, `ipc:///tmp/x.sock`, `inproc://name`.
   * @returns The endpoint bound, ready to hand to a peer's `connect`.
   * @throws {TypeError} When `endpoint` is malformed or names an unsupported
   *   transport.
   * @throws {RangeError} When its port is outside 1-65535 (or `*`).
   * @throws {EndpointError} When its host is not a local interface, an
   *   address of this machine or a name that resolves.
   * @throws {AddressInUseError} When the address is taken.
   * @throws {ClosedError} When the socket is closed.
   */
  bind(endpoint: string): string {
    bindTo(this.#h("bind"), `${this.#name}.bind()`, endpoint);
    return this.lastEndpoint;
  }

  /**
   * Stops listening on a bound endpoint.
   * @param endpoint The endpoint as returned by `bind`.
   * @throws {TypeError} When `endpoint` is not an endpoint.
   * @throws {ZmqError} When it was not bound.
   */
  unbind(endpoint: string): void {
    detachFrom(this.#h("unbind"), `${this.#name}.unbind()`, "unbind", endpoint);
  }

  /**
   * Connects to an endpoint. Returns at once; libzmq connects (and
   * reconnects) in the background, resolving a host name each time.
   * @param endpoint e.g. `tcp://127.0.0.1:5555`, `tcp://[::1]:5555`.
   * @throws {TypeError} When `endpoint` is malformed or names an unsupported
   *   transport.
   * @throws {RangeError} When its port is outside 1-65535.
   * @throws {ZmqError} When libzmq rejects it.
   */
  connect(endpoint: string): void {
    connectTo(this.#h("connect"), `${this.#name}.connect()`, endpoint);
    if (STREAM_RE.test(endpoint)) {
      this.#connections++;
      claimDescriptors(1);
    }
  }

  /**
   * Disconnects from an endpoint given to `connect`.
   * @param endpoint The endpoint.
   * @throws {TypeError} When `endpoint` is not an endpoint.
   * @throws {ZmqError} When the socket is not connected to it.
   */
  disconnect(endpoint: string): void {
    detachFrom(
      this.#h("disconnect"),
      `${this.#name}.disconnect()`,
      "disconnect",
      endpoint,
    );
    if (STREAM_RE.test(endpoint) && this.#connections > 0) {
      this.#connections--;
      claimDescriptors(-1);
    }
  }

  // ---- sending ---------------------------------------------------------------

  /**
   * Sends one multipart message if the socket can take it now.
   * @param frames The frames; strings are sent as UTF-8.
   * @returns `false` when the peer is at its high-water mark (nothing sent).
   * @throws {TypeError} When frames are not an array of bytes or strings.
   * @throws {HostUnreachableError} ROUTER with `routerMandatory`, unknown peer.
   * @throws {ClosedError} When the socket is closed.
   */
  trySend(frames: readonly Frame[]): boolean {
    checkFrames(this.#name, "trySend", frames);
    if (this.#sendQ.length > 0) {
      this.#h("send");
      return false; // keep FIFO order behind waiting sends
    }
    return this.#sendNow(frames);
  }

  #sendNow(frames: readonly Frame[]): boolean {
    const h = this.#h("send");
    const last = frames.length - 1;
    for (let i = 0; i <= last; i++) {
      const flags = i < last ? ZMQ_SNDMORE | ZMQ_DONTWAIT : ZMQ_DONTWAIT;
      const errno = sendFrame(h, frames[i], flags);
      if (errno !== 0) {
        if (errno === Errno.EAGAIN && i === 0) {
          // libzmq processed its commands before giving up, which may have
          // consumed the ZMQ_FD edge announcing an incoming message.
          if (this.#recvQ.length > 0) this.#queueRecheck();
          return false;
        }
        throw sendError(this.type, errno, frames);
      }
    }
    // The send may have processed libzmq's commands and so consumed the
    // ZMQ_FD edge that announced an incoming message: look again, once per
    // turn however many sends there were.
    if (this.#recvQ.length > 0) this.#queueRecheck();
    return true;
  }

  // Any libzmq call on a socket may process its commands and so consume
  // the ZMQ_FD edge that announced the other direction's readiness: a
  // receive takes in the "room again" command a waiting send needed, a send
  // the "message arrived" one. After each, while the other direction has
  // waiters, the socket is looked at once more in a microtask: ZMQ_EVENTS
  // (which processes every command, so its answer is exact for both
  // directions), then whatever it says is ready is served. Calls made by
  // that look only lead to another look when it completed something, so
  // two blocked directions never ping-pong (a ROUTER reports POLLOUT while
  // any peer has room, though the waiting send's peer may be full). As a
  // last resort, while sends wait, the look also runs every
  // SEND_RECHECK_MS. Without this, a server's replies waiting on a slow
  // client could sleep for good (seen as a DynamicWorkerServer whose
  // replies stopped at a multiple of 500, libzmq's pipe credit).
  #recheckQueued = false;
  #inRecheck = false;
  #touched = false;
  #sendTimer: ReturnType<typeof setInterval> | undefined;

  #queueRecheck(): void {
    if (this.#inRecheck) {
      this.#touched = true;
      return;
    }
    if (!this.#recheckQueued) {
      this.#recheckQueued = true;
      queueMicrotask(this.#recheck);
    }
  }

  readonly #recheck = (): void => {
    this.#recheckQueued = false;
    if (this.#handle === null || this.#inRecheck) return;
    if (this.#recvQ.length + this.#sendQ.length === 0) return;
    this.#inRecheck = true;
    this.#touched = false;
    let progressed = false;
    try {
      // The same look as a ZMQ_FD wake-up: ZMQ_EVENTS, then both directions.
      progressed = this.#onReady();
      if (
        !progressed && this.#touched && this.#recvQ.length > 0 &&
        this.#handle !== null && (pollEvents(this.#handle) & ZMQ_POLLIN)
      ) {
        // A failed send may have taken in an incoming message's command.
        this.#serviceReceives();
      }
    } finally {
      this.#inRecheck = false;
    }
    if (progressed && this.#touched) this.#queueRecheck();
  };

  /**
   * Sends one multipart message, waiting while the peer is at its high-water
   * mark. Sends complete in call order. Don't change the frames' bytes
   * before the promise settles.
   *
   * @param frames The frames; strings are sent as UTF-8.
   * @param options A time limit and/or an abort signal for the wait.
   * @throws {TypeError} When frames are not an array of bytes or strings.
   * @throws {TimeoutError} When `timeoutMs` passed first (nothing was sent).
   * @throws {ClosedError} When the socket is or gets closed.
   */
  send(frames: readonly Frame[], options?: WaitOptions): Promise<void> {
    try {
      checkFrames(this.#name, "send", frames);
      checkWait(this.#name, "send", options);
      if (this.#sendQ.length === 0 && this.#sendNow(frames)) {
        return Promise.resolve();
      }
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#wait(this.#sendQ, null, frames, options, "send") as Promise<
      void
    >;
  }

  // ---- receiving -------------------------------------------------------------

  /**
   * Makes every receive also read the `User-Id` of the connection the
   * message came from (what the ZAP handler answered: the client's CURVE
   * public key or PLAIN user name), at the cost of one more libzmq call
   * per message; see {@linkcode Socket.lastUserId}.
   * @internal
   */
  captureUserId(): void {
    this.#wantUserId = true;
  }

  /**
   * The `User-Id` of the connection the last message received came from,
   * once {@linkcode Socket.captureUserId} was called (`""` when the
   * connection has none: no ZAP handler, or NULL security).
   * @internal
   */
  get lastUserId(): string {
    return this.#userId;
  }

  /** Stages one message's frames in msg slots; 0 when none is ready. */
  #stage(): number {
    const n = stage(this.#h("receive"), this.type, this.#wantUserId);
    if (this.#wantUserId && n > 0) this.#userId = stagedUserId;
    // n = 0 too: the failed receive processed libzmq's commands as well.
    if (this.#sendQ.length > 0) this.#queueRecheck();
    return n;
  }

  readonly #countDrop = (): void => {
    this.#dropped++;
  };

  #fillSink(n: number, sink: ReceiveSink): number {
    return fillSink(n, sink, this.#countDrop);
  }

  /**
   * Receives one message if one is ready now.
   * @returns The frames, or `null` when nothing is ready.
   * @throws {ClosedError} When the socket is closed.
   */
  tryReceive(): Message | null {
    if (this.#recvQ.length > 0) {
      this.#h("receive");
      return null;
    }
    const n = this.#stage();
    return n === 0 ? null : takeMessage(n);
  }

  /**
   * Receives one message straight into caller-owned memory, if one is ready.
   * @param sink Where to write it (see {@linkcode ReceiveSink}).
   * @returns The number of frames written, or 0 when nothing is ready.
   * @throws {ClosedError} When the socket is closed.
   * @throws {RangeError} When the sink left too little room (message dropped).
   */
  tryReceiveInto(sink: ReceiveSink): number {
    if (this.#recvQ.length > 0) {
      this.#h("receive");
      return 0;
    }
    const n = this.#stage();
    return n === 0 ? 0 : this.#fillSink(n, sink);
  }

  /**
   * Receives one multipart message, waiting until one arrives. Concurrent
   * receives are served in call order.
   *
   * @param options A time limit and/or an abort signal.
   * @returns The frames, each a view of one buffer owned by the caller.
   * @throws {TimeoutError} When `timeoutMs` passed with no message.
   * @throws {ClosedError} When the socket is or gets closed.
   */
  receive(options?: WaitOptions): Promise<Message> {
    try {
      checkWait(this.#name, "receive", options);
      if (this.#recvQ.length === 0) {
        const n = this.#stage();
        if (n > 0) return Promise.resolve(takeMessage(n));
      } else this.#h("receive");
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#wait(this.#recvQ, null, null, options, "receive") as Promise<
      Message
    >;
  }

  /**
   * Receives one message straight into caller-owned memory (for instance
   * WebAssembly linear memory), waiting until one arrives.
   *
   * @param sink Where to write the message.
   * @param options A time limit and/or an abort signal.
   * @returns The number of frames written.
   * @throws {TimeoutError} When `timeoutMs` passed with no message.
   * @throws {ClosedError} When the socket is or gets closed.
   */
  receiveInto(sink: ReceiveSink, options?: WaitOptions): Promise<number> {
    try {
      if (sink === null || typeof sink !== "object") {
        throw new TypeError(
          `${this.#name}.receiveInto(): sink must be a ReceiveSink, got ${
            sink === null ? "null" : typeof sink
          }`,
        );
      }
      checkWait(this.#name, "receiveInto", options);
      if (this.#recvQ.length === 0) {
        const n = this.#stage();
        if (n > 0) return Promise.resolve(this.#fillSink(n, sink));
      } else this.#h("receive");
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#wait(this.#recvQ, sink, null, options, "receive") as Promise<
      number
    >;
  }

  /**
   * Iterates over received messages until the socket closes.
   * @example
   * ```ts ignore
   * for await (const [id, ...body] of router) await router.send([id, ...body]);
   * ```
   */
  async *[Symbol.asyncIterator](): AsyncIterator<Message> {
    for (;;) {
      let msg: Message;
      try {
        msg = await this.receive();
      } catch (e) {
        if (e instanceof ClosedError) return;
        throw e;
      }
      yield msg;
    }
  }

  // ---- waiting -----------------------------------------------------------------

  #wait(
    queue: Waiter[],
    sink: ReceiveSink | null,
    frames: readonly Frame[] | null,
    options: WaitOptions | undefined,
    what: string,
  ): Promise<Message | number | undefined> {
    return new Promise((resolve, reject) => {
      enqueue(
        queue,
        { sink, frames, resolve, reject },
        options,
        what === "send" ? this.#sendTimeout : this.#receiveTimeout,
        this.#updateWaiting,
      );
    });
  }

  // Made once per socket, not per wait.
  readonly #sendTimeout = (timeoutMs: number): Error =>
    new TimeoutError(
      `Could not send on ${this.type} within ${timeoutMs} ms (peer at its high-water mark)`,
      timeoutMs,
    );
  readonly #receiveTimeout = (timeoutMs: number): Error =>
    new TimeoutError(
      `No message on ${this.type} within ${timeoutMs} ms`,
      timeoutMs,
    );

  readonly #updateWaiting = (): void => {
    const blocked = this.#sendQ.length > 0 && this.#handle !== null;
    if (blocked && this.#sendTimer === undefined) {
      const t = setInterval(this.#recheck, SEND_RECHECK_MS);
      Deno.unrefTimer(t);
      this.#sendTimer = t;
    } else if (!blocked && this.#sendTimer !== undefined) {
      clearInterval(this.#sendTimer);
      this.#sendTimer = undefined;
    }
    const has = this.#recvQ.length + this.#sendQ.length > 0;
    if (has === this.#waiting) return;
    this.#waiting = has;
    if (has) reactor().addWaiter();
    else reactor().removeWaiter();
  };

  /**
   * Called by the reactor when this socket's ZMQ_FD is readable. Returns
   * whether a pending receive or send completed.
   */
  #onReady(): boolean {
    const h = this.#handle;
    if (h === null) return false;
    const before = this.#recvQ.length + this.#sendQ.length;
    // Reading ZMQ_EVENTS makes libzmq process its commands, which re-arms
    // the edge-triggered ZMQ_FD.
    const events = pollEvents(h);
    if ((events & ZMQ_POLLIN) && this.#recvQ.length > 0) {
      this.#serviceReceives();
    }
    if ((events & ZMQ_POLLOUT) && this.#sendQ.length > 0) {
      this.#serviceSends();
    }
    return this.#recvQ.length + this.#sendQ.length < before;
  }

  #serviceReceives(): void {
    const q = this.#recvQ;
    while (q.length > 0 && this.#handle !== null) {
      const w = q[0];
      let result: Message | number;
      try {
        const n = this.#stage();
        if (n === 0) break;
        result = w.sink ? this.#fillSink(n, w.sink) : takeMessage(n);
      } catch (e) {
        q.shift();
        settle(w);
        w.reject(e);
        continue;
      }
      q.shift();
      settle(w);
      w.resolve(result);
    }
    this.#updateWaiting();
  }

  #serviceSends(): void {
    const q = this.#sendQ;
    while (q.length > 0 && this.#handle !== null) {
      const w = q[0];
      try {
        if (!this.#sendNow(w.frames!)) break;
      } catch (e) {
        q.shift();
        settle(w);
        w.reject(e);
        continue;
      }
      q.shift();
      settle(w);
      w.resolve(undefined);
    }
    this.#updateWaiting();
  }

  // ---- monitor, subscribe, close --------------------------------------------

  /**
   * Starts a monitor of this socket's connection events (`zmq_socket_monitor`).
   *
   * libzmq keeps one monitor per socket: a second call ends the first
   * monitor's stream. Events queue without limit until read, because libzmq
   * sends them from its I/O thread with a blocking send: a bounded queue, or
   * a monitor closed while libzmq still sends to it, would stall every socket
   * of the process. So read the events, or close the monitor.
   *
   * @returns A stream of events; close it when done (it also ends when the
   *   socket closes).
   * @throws {ClosedError} When the socket is closed.
   */
  monitor(): SocketMonitor {
    const h = this.#h("monitor");
    this.#monitor?.close();
    const endpoint = `inproc://reliable-zmq-monitor-${this.#id}-${nextId++}`;
    if (lib().zmq.zmq_socket_monitor(h, cstr(endpoint), 0xffff)) {
      throw lastError("socket_monitor");
    }
    const pair = new Socket("PAIR", { receiveHighWaterMark: 0 });
    // However the PAIR gets closed (the monitor, this socket, shutdown()),
    // libzmq's monitor is stopped first, while its peer still listens.
    pair.#beforeClose = () => {
      if (this.#monitor === m) this.#monitor = undefined;
      if (this.#handle !== null) {
        lib().zmq.zmq_socket_monitor(this.#handle, null, 0);
      }
    };
    pair.connect(endpoint);
    const m = new SocketMonitor(pair);
    this.#monitor = m;
    return m;
  }

  /** Sets a `ZMQ_SUBSCRIBE`/`ZMQ_UNSUBSCRIBE` prefix (SUB sockets). @internal */
  protected subscription(on: boolean, prefix: Uint8Array | string): void {
    const bytes = typeof prefix === "string" ? encoder.encode(prefix) : prefix;
    if (!(bytes instanceof Uint8Array)) {
      throw new TypeError("A subscription prefix must be a string or bytes");
    }
    const id = on ? ZMQ_SUBSCRIBE : ZMQ_UNSUBSCRIBE;
    if (
      lib().zmq.zmq_setsockopt(
        this.#h("subscribe"),
        id,
        bytes,
        usize(bytes.length),
      )
    ) {
      throw lastError(on ? "subscribe" : "unsubscribe");
    }
  }

  /**
   * Closes the socket. Idempotent. Pending receives and sends reject with
   * `ClosedError`; messages not yet sent are kept for `linger` ms.
   */
  close(): void {
    const h = this.#handle;
    if (h === null) return;
    const before = this.#beforeClose;
    this.#beforeClose = undefined;
    before?.();
    // Stop this socket's monitor while both ends are open (see monitor()).
    this.#monitor?.close();
    const err = new ClosedError(`${this.type} socket closed`);
    for (const q of [this.#recvQ, this.#sendQ]) {
      for (const w of q.splice(0)) {
        settle(w);
        w.reject(err);
      }
    }
    this.#updateWaiting();
    reactor().unregister(this.#id, this.#fd);
    this.#handle = null;
    lib().zmq.zmq_close(h);
    claimDescriptors(-1 - this.#connections);
    live.delete(this);
    releaseContext();
  }

  /** Same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}

/**
 * Closes every open socket, waits until the reactor holds no parked wait and
 * terminates the libzmq context. Call it at the end of a program or test that
 * wants to be sure nothing keeps the process alive.
 *
 * @returns Resolves once the context is terminated.
 * @example
 * ```ts
 * import { DealerSocket, shutdown } from "@reliable/zmq";
 * new DealerSocket();
 * await shutdown();
 * ```
 */
export async function shutdown(): Promise<void> {
  for (const s of [...live]) s.close();
  await reactor().idle();
  if (openSockets() === 0) await terminateContext();
}
