/**
 * The Binary Star node (zguide chapter 4, the reactor `bstar`): one server
 * of a primary/backup pair. It publishes its state to the peer every
 * heartbeat (PUB), listens to the peer's state (SUB), and decides on each
 * client request whether this server serves it.
 *
 * @module
 */
import { ClosedError } from "../../errors.ts";
import type { Clock, Timer } from "../../_util/clock.ts";
import type { Logger } from "../../_util/logger.ts";
import * as opt from "../../_util/options.ts";
import { RateLimitedLog } from "../../_util/rate_limit.ts";
import type { Frame, Message } from "../../types.ts";
import {
  PubSocket,
  RouterSocket,
  type SocketOptions,
  SubSocket,
} from "../../transport/mod.ts";
import {
  decodeStateMessage,
  encodeStateMessage,
} from "../../protocol/bstar/codec.ts";
import { ProtocolError } from "../../errors.ts";
import { EventHub } from "../_kit/events.ts";
import { RunningClock } from "../_kit/liveness.ts";
import {
  checkEndpoint,
  checkFunction,
  checkSocketOptions,
} from "../_kit/checks.ts";
import { BinaryStarCore, type BstarStep } from "./_core.ts";
import { STATE_NUMBER } from "./_fsm.ts";
import type {
  BinaryStarEvent,
  BinaryStarState,
  BinaryStarStats,
} from "./events.ts";

const CLS = "BinaryStar";
const KEYS = [
  "role",
  "stateBind",
  "statePeer",
  "heartbeatIntervalMs",
  "liveness",
  "dualActive",
  "socketOptions",
  "logger",
  "onEvent",
  "clock",
] as const;
const NAMES: readonly BinaryStarState[] = [
  "PRIMARY",
  "BACKUP",
  "ACTIVE",
  "PASSIVE",
];

/**
 * Options of {@linkcode BinaryStar.start}.
 *
 * @example
 * ```ts
 * import type { BinaryStarOptions } from "@reliable/zmq/binary-star";
 * const primary: BinaryStarOptions = {
 *   role: "primary",
 *   stateBind: "tcp://*:5003",
 *   statePeer: "tcp://backup-host:5004",
 * };
 * ```
 */
export interface BinaryStarOptions {
  /** Which server of the pair this is. */
  role: "primary" | "backup";
  /** Where this node publishes its state (PUB binds), e.g. `"tcp://*:5003"`. */
  stateBind: string;
  /** The peer's state endpoint (SUB connects), e.g. `"tcp://backup:5004"`. */
  statePeer: string;
  /**
   * How often the state is published, ms. Must be the same on both nodes.
   * @default 1000
   */
  heartbeatIntervalMs?: number;
  /**
   * Heartbeats the peer may miss before it counts as gone; the failover
   * timeout is `heartbeatIntervalMs × liveness`. Same on both nodes.
   * @default 2
   */
  liveness?: number;
  /**
   * What to do when both nodes are seen active (or both passive):
   * `"resolve"` keeps one (on dual active the primary yields, on dual
   * passive the primary takes over), `"stop"` stops this node as the
   * guide's reactor does (with both nodes stopped, nobody serves until an
   * operator restarts them). Either way it is logged as an error and
   * reported (`pair:dual-active`, `pair:dual-passive`).
   * @default "resolve"
   */
  dualActive?: "resolve" | "stop";
  /** Options for the PUB, SUB and voter sockets. @default {} */
  socketOptions?: SocketOptions;
  /** Diagnostics. @default warnings and errors to stderr */
  logger?: Logger;
  /** Receives the node's events. @default none */
  onEvent?: (event: BinaryStarEvent) => void;
  /** The time source (tests pass a `FakeClock`). @default the real clock */
  clock?: Clock;
}

/**
 * Handles an accepted request from the voter socket. `message` is what the
 * ROUTER received (the sender's routing id first); the frames returned
 * (routing id first) are sent back on the voter socket; `undefined` sends
 * nothing.
 *
 * @example An echo
 * ```ts
 * import type { BinaryStarVoterHandler } from "@reliable/zmq/binary-star";
 * const echo: BinaryStarVoterHandler = (message) => message;
 * ```
 */
export type BinaryStarVoterHandler = (
  message: Message,
) => readonly Frame[] | undefined | Promise<readonly Frame[] | undefined>;

/**
 * One node of a Binary Star pair (zguide chapter 4): a primary or a backup
 * server, exactly one of which is active at a time.
 *
 * - Each node publishes its state (`PRIMARY`, `BACKUP`, `ACTIVE`,
 *   `PASSIVE`; one ASCII digit) every `heartbeatIntervalMs` on a PUB
 *   socket bound to `stateBind`, and at once when it changes, and
 *   subscribes to the peer's at `statePeer`.
 * - The peer counts as gone after `liveness` silent heartbeats (guide: 2
 *   × 1000 ms), measured on running time: a node that was paused does not
 *   count its own pause as the peer's silence, and it reads the peer's
 *   waiting state messages before it judges a client request.
 * - Client requests arrive on a voter socket ({@linkcode BinaryStar.voter},
 *   or any socket of yours that calls {@linkcode BinaryStar.vote}). The
 *   node takes over (PASSIVE → ACTIVE) only when a client asks AND the
 *   peer is gone, so a cut between the two servers alone never makes two
 *   actives. A node that does not serve reads the request and drops it; the
 *   client times out and tries the other server. A request that arrives
 *   while the peer is overdue (silent for more than one heartbeat, not yet
 *   gone) is held instead, unanswered, until the peer's expiry instant:
 *   then it is the vote and is served, unless the peer's state message
 *   comes first (dropped). The voter holds; `vote()` never does.
 * - Two actives (or two passives) are detected, logged as errors and
 *   reported; see the `dualActive` option for how they are resolved.
 *
 * @example A pair in one process
 * ```ts
 * import { BinaryStar } from "@reliable/zmq/binary-star";
 * import { silentLogger } from "@reliable/zmq";
 * const primary = await BinaryStar.start({
 *   role: "primary", stateBind: "tcp://127.0.0.1:*", statePeer: "tcp://127.0.0.1:5999",
 *   heartbeatIntervalMs: 50, logger: silentLogger,
 * });
 * const backup = await BinaryStar.start({
 *   role: "backup", stateBind: "tcp://127.0.0.1:*", statePeer: primary.stateEndpoint,
 *   heartbeatIntervalMs: 50, logger: silentLogger,
 * });
 * primary.connectPeer(backup.stateEndpoint); // ports picked at bind time
 * await new Promise<void>((r) => primary.onActive(() => r()));
 * console.log(primary.state); // "ACTIVE"
 * await backup.close();
 * await primary.close();
 * ```
 */
export class BinaryStar implements AsyncDisposable {
  /** Which server of the pair this is. */
  readonly role: "primary" | "backup";
  readonly #core: BinaryStarCore;
  readonly #pub: PubSocket;
  readonly #sub: SubSocket;
  readonly #voters: RouterSocket[] = [];
  readonly #socketOptions: SocketOptions;
  readonly #hb: number;
  readonly #liveness: number;
  readonly #stopOnDual: boolean;
  readonly #log: Logger;
  readonly #bad: RateLimitedLog;
  readonly #events: EventHub<BinaryStarEvent>;
  readonly #clock: Clock;
  readonly #running: RunningClock;
  readonly #active = new Set<() => void>();
  readonly #passive = new Set<() => void>();
  readonly #loops: Promise<void>[] = [];
  /** Resolvers of the requests held (in the core's `held` count). */
  #held: ((serve: boolean) => void)[] = [];
  #stateEndpoint = "";
  #timer: Timer | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;
  readonly #stats: Omit<BinaryStarStats, "state" | "peerState"> = {
    transitions: 0,
    accepted: 0,
    rejected: 0,
    held: 0,
    votes: 0,
    dualActive: 0,
    dualPassive: 0,
    published: 0,
    malformed: 0,
  };

  private constructor(o: BinaryStarOptions) {
    this.role = o.role;
    this.#hb = opt.durationMs(
      CLS,
      "heartbeatIntervalMs",
      o.heartbeatIntervalMs,
      1000,
      { min: 1 },
    );
    this.#liveness = opt.count(CLS, "liveness", o.liveness, 2, 1, 1000);
    this.#stopOnDual = opt.oneOf(
      CLS,
      "dualActive",
      o.dualActive,
      ["resolve", "stop"] as const,
      "resolve",
    ) === "stop";
    this.#socketOptions = checkSocketOptions(CLS, o.socketOptions);
    this.#log = opt.logger(CLS, o.logger, `${CLS}(${o.role})`);
    this.#clock = opt.clock(CLS, o.clock);
    this.#events = new EventHub(
      this.#log,
      opt.fn<(e: BinaryStarEvent) => void>(CLS, "onEvent", o.onEvent),
    );
    this.#bad = new RateLimitedLog(this.#log, this.#clock);
    this.#running = new RunningClock(this.#hb);
    this.#core = new BinaryStarCore(
      o.role,
      { heartbeatIntervalMs: this.#hb, liveness: this.#liveness },
      this.#running.advance(this.#clock.now()),
    );
    this.#pub = new PubSocket({ lingerMs: 0, ...this.#socketOptions });
    this.#sub = new SubSocket({ lingerMs: 0, ...this.#socketOptions });
  }

  /**
   * Creates a node: binds the state PUB, connects the state SUB, publishes
   * its state and starts the heartbeat.
   *
   * @param options Role, state endpoints, heartbeat, liveness, logger, events.
   * @returns The running node.
   * @throws {TypeError} On a bad endpoint or a badly typed or unknown option.
   * @throws {RangeError} On an option out of range.
   * @throws {ZmqError} When `stateBind` cannot be bound.
   * @example
   * ```ts
   * import { BinaryStar } from "@reliable/zmq/binary-star";
   * const node = await BinaryStar.start({
   *   role: "backup", stateBind: "tcp://127.0.0.1:*", statePeer: "tcp://127.0.0.1:5998",
   * });
   * console.log(node.state); // "BACKUP"
   * await node.close();
   * ```
   */
  static async start(options: BinaryStarOptions): Promise<BinaryStar> {
    const M = `${CLS}.start()`;
    const o = opt.readOptions(M, options, KEYS) as BinaryStarOptions;
    if (o.role !== "primary" && o.role !== "backup") {
      throw new TypeError(
        `${M}: role must be "primary" or "backup", got ${
          JSON.stringify(o.role)
        }`,
      );
    }
    checkEndpoint(M, "stateBind", o.stateBind, "bind");
    checkEndpoint(M, "statePeer", o.statePeer, "connect");
    const node = new BinaryStar(o);
    try {
      node.#stateEndpoint = node.#pub.bind(o.stateBind);
      node.#sub.subscribe("");
      node.#sub.connect(o.statePeer);
    } catch (e) {
      await node.close();
      throw e;
    }
    node.#publish();
    node.#loops.push(node.#peerLoop());
    node.#arm();
    node.#log.info("started", {
      role: node.role,
      state: node.state,
      stateEndpoint: node.#stateEndpoint,
      peer: o.statePeer,
    });
    return Promise.resolve(node);
  }

  /** The node's state. */
  get state(): BinaryStarState {
    return this.#core.state;
  }

  /** Whether this node serves clients now (state `ACTIVE`). */
  get active(): boolean {
    return this.#core.state === "ACTIVE";
  }

  /** Where the state PUB is bound (a `*` port resolved). */
  get stateEndpoint(): string {
    return this.#stateEndpoint;
  }

  /** The failover timeout: `heartbeatIntervalMs × liveness`, ms. */
  get failoverMs(): number {
    return this.#hb * this.#liveness;
  }

  /** Whether `close()` has been called (or a fatal state stopped the node). */
  get closed(): boolean {
    return this.#closed;
  }

  /** A snapshot of the node's state and counters. */
  get stats(): BinaryStarStats {
    const p = this.#core.peerState;
    return {
      state: this.#core.state,
      peerState: p === 0 ? null : NAMES[p - 1],
      ...this.#stats,
    };
  }

  /**
   * Adds an event listener (besides the `onEvent` option).
   * @param listener Called with every event, synchronously.
   * @returns A function that removes it.
   */
  on(listener: (event: BinaryStarEvent) => void): () => void {
    checkFunction(`${CLS}.on()`, "listener", listener);
    return this.#events.on(listener);
  }

  /**
   * Calls `fn` each time this node becomes active (the guide's
   * `new_active`).
   * @param fn The callback.
   * @returns A function that removes it.
   */
  onActive(fn: () => void): () => void {
    checkFunction(`${CLS}.onActive()`, "fn", fn);
    this.#active.add(fn);
    return () => this.#active.delete(fn);
  }

  /**
   * Calls `fn` each time this node becomes passive (the guide's
   * `new_passive`).
   * @param fn The callback.
   * @returns A function that removes it.
   */
  onPassive(fn: () => void): () => void {
    checkFunction(`${CLS}.onPassive()`, "fn", fn);
    this.#passive.add(fn);
    return () => this.#passive.delete(fn);
  }

  /**
   * Also connects the state SUB to `endpoint` (for a peer whose port is
   * known only once it is bound; normally `statePeer` is enough).
   * @param endpoint The peer's state endpoint.
   */
  connectPeer(endpoint: string): void {
    checkEndpoint(`${CLS}.connectPeer()`, "endpoint", endpoint, "connect");
    this.#sub.connect(endpoint);
  }

  /**
   * Binds a ROUTER voter socket: every message on it is a client request
   * that votes ({@linkcode BinaryStar.vote}); an accepted one goes to
   * `handler`, whose reply is sent back; a rejected one is dropped.
   *
   * @param endpoint Where clients connect, e.g. `"tcp://*:5001"`.
   * @param handler Handles an accepted request.
   * @param socketOptions Options for this socket only, over the node's
   *   `socketOptions` (e.g. the CURVE server options of a security handle).
   * @returns The endpoint as bound (a `*` port resolved).
   * @throws {TypeError} On a bad endpoint or handler.
   * @throws {ClosedError} When the node is closed.
   * @example
   * ```ts
   * import { BinaryStar } from "@reliable/zmq/binary-star";
   * const node = await BinaryStar.start({
   *   role: "primary", stateBind: "tcp://127.0.0.1:*", statePeer: "tcp://127.0.0.1:5997",
   * });
   * const frontend = node.voter("tcp://127.0.0.1:*", (message) => message);
   * console.log(frontend.startsWith("tcp://127.0.0.1:")); // true
   * await node.close();
   * ```
   */
  voter(
    endpoint: string,
    handler: BinaryStarVoterHandler,
    socketOptions?: SocketOptions,
  ): string {
    const M = `${CLS}.voter()`;
    checkEndpoint(M, "endpoint", endpoint, "bind");
    checkFunction(M, "handler", handler);
    if (this.#closed) throw new ClosedError(`${M}: node is closed`);
    const sock = new RouterSocket({
      lingerMs: 0,
      ...this.#socketOptions,
      ...socketOptions,
    });
    let bound: string;
    try {
      bound = sock.bind(endpoint);
    } catch (e) {
      sock.close();
      throw e;
    }
    this.#voters.push(sock);
    this.#loops.push(this.#voterLoop(sock, handler));
    return bound;
  }

  /**
   * Counts a client request as a vote and says whether this node serves
   * it: the core of {@linkcode BinaryStar.voter}, for servers that own
   * their client socket (the Majordomo broker pair calls it for every
   * client message). Reads the peer's waiting state messages first. It
   * never holds a request: one that arrives while the peer is overdue but
   * not yet gone is refused, as while the peer is alive
   * ({@linkcode BinaryStar.voteOrHold} holds it instead).
   *
   * @returns True when the request is to be served (the node is, or has
   * just become, active); false when it is to be dropped.
   * @example
   * ```ts
   * import { BinaryStar } from "@reliable/zmq/binary-star";
   * const node = await BinaryStar.start({
   *   role: "backup", stateBind: "tcp://127.0.0.1:*", statePeer: "tcp://127.0.0.1:5996",
   * });
   * console.log(node.vote()); // false: a backup never serves before a primary was active
   * await node.close();
   * ```
   */
  vote(): boolean {
    const v = this.#decide(false);
    return v === true;
  }

  /**
   * Like {@linkcode BinaryStar.vote}, but a request that arrives while the
   * peer is overdue (silent for more than one heartbeat, not yet past the
   * failover timeout) is held rather than refused: the result is then a
   * promise that resolves at the peer's expiry instant with true (the peer
   * stayed silent: the held request is the client vote, this node is now
   * active and serves it) or, if the peer's state message comes first,
   * with false (drop the request; the peer serves). {@linkcode BinaryStar.voter}
   * uses it. A held request costs the client nothing it would not lose
   * anyway (a refused request is never answered), and saves it a round of
   * both servers when it reaches the survivor just before its peer expires.
   *
   * @returns True or false when decided at once (as `vote()`), or a
   * promise of that decision for a held request. Held requests resolve
   * false when the node closes.
   * @example
   * ```ts
   * import { BinaryStar } from "@reliable/zmq/binary-star";
   * const node = await BinaryStar.start({
   *   role: "backup", stateBind: "tcp://127.0.0.1:*", statePeer: "tcp://127.0.0.1:5990",
   * });
   * const v = node.voteOrHold();
   * console.log(v); // false: decided at once (a backup never serves first)
   * await node.close();
   * ```
   */
  voteOrHold(): boolean | Promise<boolean> {
    return this.#decide(true);
  }

  // ---- internals --------------------------------------------------------

  #decide(canHold: boolean): boolean | Promise<boolean> {
    if (this.#closed) return false;
    // An active node serves whatever the peer's waiting messages say (a
    // dual active is found by the peer loop): no need to read them first.
    if (this.#core.state !== "ACTIVE") this.#drainPeer();
    if (this.#closed) return false;
    const s = this.#core.onClientRequest(this.#now(), canHold);
    if (s.hold) {
      // Queued before the actions run, so a step that releases at once
      // (none does today) would still find it.
      const p = new Promise<boolean>((r) => this.#held.push(r));
      // The heartbeat timer is already due at the peer's expiry at the
      // latest (`nextDueAt`): nothing to re-arm.
      this.#run(s);
      return p;
    }
    this.#run(s);
    return s.accept && !this.#closed;
  }

  /** Settles every held request: served (true) or dropped (false). */
  #release(serve: boolean): void {
    const held = this.#held;
    if (held.length === 0) return;
    this.#held = [];
    for (const r of held) r(serve);
  }

  #now(): number {
    return this.#running.advance(this.#clock.now());
  }

  #publish(): void {
    if (this.#closed) return;
    try {
      this.#pub.trySend(encodeStateMessage(STATE_NUMBER[this.#core.state]));
      this.#stats.published++;
    } catch (e) {
      if (!this.#closed) {
        this.#bad.warn("publish", "cannot publish state", { error: String(e) });
      }
    }
    this.#core.published(this.#now());
  }

  #arm(): void {
    if (this.#closed) return;
    this.#clock.clearTimeout(this.#timer);
    const now = this.#now();
    // At least twice a heartbeat, so that running time keeps pace.
    const at = Math.min(this.#core.nextDueAt(), now + this.#hb / 2);
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#tick();
    }, at - now);
  }

  #tick(): void {
    if (this.#closed) return;
    try {
      this.#drainPeer();
      const now = this.#now();
      if (this.#core.publishDue(now)) this.#publish();
      const s = this.#core.checkExpiry(now);
      if (s) this.#run(s);
    } catch (e) {
      this.#log.error("internal error in the heartbeat", { error: String(e) });
    }
    this.#arm();
  }

  #onPeerMessage(msg: Message): void {
    const n = decodeStateMessage(msg);
    if (n instanceof ProtocolError) {
      this.#stats.malformed++;
      this.#bad.warn("malformed", "malformed state message dropped", {
        reason: n.reason,
      });
      if (this.#events.active) {
        this.#events.emit({ type: "peer:malformed", reason: n.reason });
      }
      return;
    }
    this.#run(this.#core.onPeerState(n, this.#now()));
  }

  /** Reads every state message already waiting. */
  #drainPeer(): void {
    for (;;) {
      let msg: Message | null;
      try {
        msg = this.#sub.tryReceive();
      } catch {
        return;
      }
      if (msg === null) return;
      this.#onPeerMessage(msg);
      if (this.#closed) return;
    }
  }

  async #peerLoop(): Promise<void> {
    while (!this.#closed) {
      let msg: Message;
      try {
        msg = await this.#sub.receive();
      } catch (e) {
        if (e instanceof ClosedError || this.#closed) return;
        this.#log.error("state socket failed", { error: String(e) });
        return;
      }
      this.#onPeerMessage(msg);
    }
  }

  async #voterLoop(
    sock: RouterSocket,
    handler: BinaryStarVoterHandler,
  ): Promise<void> {
    while (!this.#closed) {
      let msg: Message;
      try {
        msg = await sock.receive();
      } catch (e) {
        if (e instanceof ClosedError || this.#closed) return;
        this.#log.error("voter socket failed", { error: String(e) });
        return;
      }
      const v = this.#decide(true);
      if (v === true) void this.#serve(sock, handler, msg);
      else if (v !== false) {
        void v.then((serve) => {
          if (serve && !this.#closed) void this.#serve(sock, handler, msg);
        });
      }
    }
  }

  async #serve(
    sock: RouterSocket,
    handler: BinaryStarVoterHandler,
    msg: Message,
  ): Promise<void> {
    try {
      const reply = await handler(msg);
      if (reply !== undefined && !this.#closed) await sock.send(reply);
    } catch (e) {
      if (this.#closed) return;
      this.#bad.warn("handler", "voter handler failed; request dropped", {
        error: String(e),
      });
    }
  }

  /** Runs a step's actions. */
  #run(s: BstarStep): void {
    for (const a of s.actions) {
      switch (a) {
        case "accept":
          this.#stats.accepted++;
          if (s.event === "CLIENT_VOTE" && s.from !== "ACTIVE") {
            this.#stats.votes++;
          }
          break;
        case "reject":
          this.#stats.rejected++;
          if (this.#events.active) {
            this.#events.emit({ type: "request:rejected", state: s.state });
          }
          break;
        case "hold":
          this.#stats.held++;
          if (this.#events.active) {
            this.#events.emit({
              type: "request:held",
              silentMs: this.#running.now - this.#core.peerHeardAt,
            });
          }
          break;
        case "serve-held":
          if (s.released > 0) {
            this.#stats.accepted += s.released;
            if (s.event === "HELD_VOTE" && s.from !== "ACTIVE") {
              this.#stats.votes++;
            }
          }
          // Settled after the transition is reported and published below.
          break;
        case "drop-held":
          if (s.released > 0) {
            this.#stats.rejected += s.released;
            if (this.#events.active) {
              for (let i = 0; i < s.released; i++) {
                this.#events.emit({
                  type: "request:rejected",
                  state: s.state,
                });
              }
            }
          }
          break;
        case "become-active":
          this.#log.warn(
            s.event === "CLIENT_VOTE" || s.event === "HELD_VOTE"
              ? "ACTIVE: failover, a client asked and the peer is silent"
              : "ACTIVE: serving clients",
            { role: this.role, from: s.from, cause: s.event },
          );
          break;
        case "become-passive":
          this.#log.warn("PASSIVE: the peer serves", {
            role: this.role,
            from: s.from,
            cause: s.event,
          });
          break;
        case "dual-active": {
          this.#stats.dualActive++;
          const resolution = this.#stopOnDual
            ? "stop"
            : this.role === "primary"
            ? "yield"
            : "stay";
          this.#log.error(
            "FATAL: both servers of the Binary Star pair are ACTIVE (split brain)",
            { role: this.role, resolution },
          );
          if (this.#events.active) {
            this.#events.emit({ type: "pair:dual-active", resolution });
          }
          if (this.#stopOnDual) {
            void this.close(); // drops the held requests
            return;
          }
          break;
        }
        case "dual-passive": {
          this.#stats.dualPassive++;
          const resolution = this.#stopOnDual
            ? "stop"
            : this.role === "primary"
            ? "take-over"
            : "wait";
          this.#log.error(
            "FATAL: both servers of the Binary Star pair are PASSIVE (nobody serves)",
            { role: this.role, resolution },
          );
          if (this.#events.active) {
            this.#events.emit({ type: "pair:dual-passive", resolution });
          }
          if (this.#stopOnDual) {
            void this.close();
            return;
          }
          break;
        }
        case "same-role":
          this.#bad.warn(
            "same-role",
            `misconfigured pair: the peer is also a ${this.role}`,
          );
          if (this.#events.active) {
            this.#events.emit({ type: "pair:misconfigured", role: this.role });
          }
          break;
        case "peer-lost": {
          const silentMs = this.#running.now - this.#core.peerHeardAt;
          this.#log.warn("peer silent", { role: this.role, silentMs });
          if (this.#events.active) {
            this.#events.emit({ type: "peer:lost", silentMs });
          }
          break;
        }
      }
    }
    if (s.from !== s.state) {
      this.#stats.transitions++;
      if (this.#events.active) {
        this.#events.emit({
          type: "state:changed",
          from: s.from,
          to: s.state,
          cause: s.event,
        });
      }
      this.#publish(); // tell the peer at once
      const fns = s.state === "ACTIVE"
        ? this.#active
        : s.state === "PASSIVE"
        ? this.#passive
        : undefined;
      for (const fn of fns ?? []) {
        try {
          fn();
        } catch (e) {
          this.#log.error("state callback threw", { error: String(e) });
        }
      }
    }
    if (s.released > 0) {
      this.#release(s.actions.includes("serve-held") && !this.#closed);
    }
  }

  /**
   * Stops the node: the heartbeat, the loops and every socket. The peer
   * notices the silence after the failover timeout. Idempotent.
   * @returns Resolves once the loops have ended.
   * @example
   * ```ts
   * import { BinaryStar } from "@reliable/zmq/binary-star";
   * const node = await BinaryStar.start({
   *   role: "primary", stateBind: "tcp://127.0.0.1:*", statePeer: "tcp://127.0.0.1:5995",
   * });
   * await node.close();
   * console.log(node.closed); // true
   * ```
   */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#closed = true;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#release(false);
    for (const s of this.#voters) s.close();
    this.#sub.close();
    this.#pub.close();
    this.#closing = Promise.all(this.#loops).then(() => this.#bad.flush());
    return this.#closing;
  }

  /** Same as {@linkcode BinaryStar.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
