/**
 * The Majordomo broker (7/MDP + 8/MMI, zguide `mdbroker`), with the
 * reliable-zmq extension (docs/MDP_EXTENSIONS.md).
 *
 * @module
 */
import { setImmediate } from "node:timers";
import { ClosedError, HostUnreachableError } from "../../errors.ts";
import { RouterSocket } from "../../transport/mod.ts";
import type { Logger } from "../../_util/logger.ts";
import type { Clock, Timer } from "../../_util/clock.ts";
import { RateLimitedLog } from "../../_util/rate_limit.ts";
import type { ReceiveSink } from "../../types.ts";
import { createCore, type Envelope } from "../../core/mod.ts";
import { EventHub } from "../_kit/events.ts";
import {
  admittedIdentities,
  listChange,
  openServerSecurity,
  readAllowList,
  rereadPolicy,
  type SecurityReload,
  type SecurityStats,
  type ServerSecurityHandle,
} from "../../security/settings.ts";
import type { ZapPolicy } from "../../security/_zap_core.ts";
import { readBrokerOptions } from "./_broker_policy.ts";
import { UserCounts } from "./_broker_users.ts";
import { BrokerCore, type BrokerOutput, Sent } from "./_broker_core.ts";
import type {
  MajordomoBrokerEvent,
  MajordomoBrokerOptions,
  MajordomoBrokerStats,
  MajordomoCoreImpl,
  MajordomoUserRequests,
  MajordomoWorkerInfo,
} from "./broker_types.ts";

export type {
  MajordomoBrokerCounters,
  MajordomoBrokerEvent,
  MajordomoBrokerOptions,
  MajordomoBrokerStats,
  MajordomoCoreImpl,
  MajordomoServiceStats,
  MajordomoUserRequests,
  MajordomoWorkerInfo,
} from "./broker_types.ts";

const CLS = "MajordomoBroker";
/** Most waiting messages handled before a sweep (drain first, bounded). */
const DRAIN_MAX = 4096;
/** Messages handled between two turns of the event loop under load. */
const YIELD_EVERY = 1024;

/**
 * Remembers the size of each message the transport writes to the envelope,
 * and whether one was written since `filled` was last cleared (so that the
 * loop can tell a receive that completed on the spot from one that waits).
 */
class SizedSink implements ReceiveSink {
  total = 0;
  filled = false;
  constructor(readonly env: Envelope) {}
  prepare(totalBytes: number, frameCount: number): void {
    this.total = totalBytes;
    this.env.prepare(totalBytes, frameCount);
  }
  get bytes(): Uint8Array {
    return this.env.bytes;
  }
  get lengths(): Uint32Array {
    return this.env.lengths;
  }
  commit(frameCount: number): void {
    this.env.commit(frameCount);
    this.filled = true;
  }
}

function randomInstance(): string {
  const b = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

function checkEndpoints(owner: string, value: unknown): string[] {
  const list = typeof value === "string" ? [value] : value;
  if (
    !Array.isArray(list) || list.length === 0 ||
    !list.every((e) => typeof e === "string")
  ) {
    throw new TypeError(
      `${owner}: endpoint must be a string or a non-empty array of strings, got ${
        Array.isArray(value) ? "an array of other things" : typeof value
      }`,
    );
  }
  return list;
}

/**
 * A Majordomo broker: one ROUTER for clients and workers, one request queue
 * per service, least-recently-used dispatch to waiting workers, heartbeats
 * both ways, and the 8/MMI service-discovery service. Implements 7/MDP
 * (zguide `mdbroker`), with these choices where the spec leaves room:
 *
 * - **A pure core and a thin shell**: the decisions live in a socket-free
 *   core driven by messages and time; this class owns the ROUTER, the
 *   timer and the loop. Each message is received straight into the core's
 *   `Envelope` (WebAssembly by default, see `core`) and classified in one
 *   call; waiting workers live in the core's `WorkerQueue`.
 * - **Liveness after draining**: each sweep first handles the messages
 *   already waiting, and silence is measured on the broker's running time
 *   (a gap between two turns counts as one heartbeat interval at most), so
 *   a paused broker (SIGSTOP, GC, a slow disk) never expires workers whose
 *   heartbeats were waiting for it.
 * - **Bounded memory**: a request waits at most `requestTtlMs`; queues are
 *   capped in requests and bytes (`maxQueue`, `maxPendingRequests`,
 *   `maxPendingBytes`, `maxServices`, `maxWorkers`, `maxFrameBytes`); what
 *   is dropped is counted and logged with a rate limit. A service is
 *   forgotten once it has neither workers nor waiting requests.
 * - **The RZ extension** (docs/MDP_EXTENSIONS.md): a reliable-zmq client's
 *   correlation frame is taken off before dispatch and put back on the
 *   reply, so any 7/MDP worker serves it; it gets error replies (`503`
 *   dropped at a bound, `504` expired, `500` its handler failed, `502` the
 *   worker holding it died), and a resend of a request the broker still
 *   holds is dropped as a duplicate. Plain 7/MDP clients and workers see
 *   nothing of it.
 * - **Invalid input** is dropped and counted; a registered worker that sends
 *   it is sent DISCONNECT and forgotten. A valid but unexpected command
 *   (second READY, REPLY or HEARTBEAT from an unknown worker, REQUEST from a
 *   worker, READY for `mmi.*`) gets DISCONNECT, as 7/MDP and 8/MMI require.
 * - **No broker-level retry**: a request taken by a worker that dies is
 *   lost (`502` to an RZ client, which retries at once); a plain client's
 *   own retry recovers it (7/MDP assumes idempotent workers).
 * - **MMI**: `mmi.service` answers `"200"` when at least one worker (busy or
 *   waiting) is registered for the service named in the body, else `"404"`;
 *   `mmi.stats` answers `["200", json]` ({@linkcode MajordomoBrokerStats});
 *   `mmi.rz` answers `["200", json]` naming this broker; others `"501"`.
 * - **Dead connections are reaped** by TCP keepalive (the first probe after
 *   60 s idle, the connection dropped after 6 unanswered probes 10 s apart;
 *   `socketOptions` `tcpKeepalive*` change it). The ROUTER sets no ZMTP
 *   heartbeats of its own: libzmq 4.3 cancels a timer in time linear in the
 *   number of timers, so per-connection heartbeats cost O(connections) per
 *   message at scale. Clients' own ZMTP heartbeats (`failoverMs`) are
 *   answered by the broker's libzmq without a timer.
 *
 * @example A broker, a worker and a client in one process
 * ```ts
 * import { MajordomoBroker, MajordomoClient, MajordomoWorker } from "@reliable/zmq";
 * const broker = await MajordomoBroker.bind("tcp://127.0.0.1:*");
 * const [endpoint] = broker.endpoints;
 * const worker = await MajordomoWorker.connect(endpoint, "echo", (req) => req);
 * const client = await MajordomoClient.connect(endpoint);
 * const [reply] = await client.request("echo", ["hello"]);
 * console.log(new TextDecoder().decode(reply)); // "hello"
 * await client.close();
 * await worker.close();
 * await broker.close();
 * ```
 */
export class MajordomoBroker implements AsyncDisposable {
  readonly #sock: RouterSocket;
  readonly #sink: SizedSink;
  readonly #core: BrokerCore;
  readonly #impl: MajordomoCoreImpl;
  readonly #log: Logger;
  readonly #bad: RateLimitedLog;
  readonly #events: EventHub<MajordomoBrokerEvent>;
  readonly #clock: Clock;
  readonly #endpoints: string[] = [];
  readonly #security: ServerSecurityHandle | undefined;
  /** `workerSecurity.allow` in force (a reload replaces it). */
  #workerAllow: ReadonlySet<string> | "any" | undefined;
  readonly #workerAllowSource: unknown;
  /** What `security` admits, without the worker keys (for reload's counts). */
  #clientAllow: ReadonlySet<string> | "any" | undefined;
  readonly #users: UserCounts | undefined;
  #timer: Timer | undefined;
  #tickDue = false;
  #parked = false;
  #loop: Promise<void> | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;

  private constructor(options: MajordomoBrokerOptions | undefined) {
    const setup = readBrokerOptions(`${CLS}.bind()`, options);
    this.#log = setup.logger;
    this.#clock = setup.clock;
    this.#events = new EventHub(setup.logger, setup.onEvent);
    this.#bad = new RateLimitedLog(setup.logger, setup.clock);
    const core = createCore({ impl: setup.core });
    this.#impl = core.impl;
    if (setup.core === "auto" && core.impl !== "wasm") {
      this.#log.warn("WebAssembly core unavailable; using the TypeScript twin");
    }
    const env = core.createEnvelope();
    this.#sink = new SizedSink(env);
    const sec = setup.security
      ? openServerSecurity(setup.security, setup.logger, setup.clock)
      : undefined;
    this.#security = sec;
    let sock: RouterSocket;
    try {
      sock = new RouterSocket({ ...setup.socket, ...sec?.options });
    } catch (e) {
      sec?.registration.release();
      throw e;
    }
    this.#sock = sock;
    this.#workerAllow = setup.workerAllow;
    this.#workerAllowSource = setup.workerAllowSource;
    this.#clientAllow = setup.clientAllow;
    let workerAllowed: (() => boolean) | undefined;
    if (setup.workerAllow !== undefined && setup.workerAllow !== "any") {
      sock.captureUserId();
      // A peer on an inproc endpoint lives in this process and passes no
      // security handshake, so it has no User-Id; on a CURVE or PLAIN socket
      // it is the only peer without one (the ZAP handler names every other).
      const local = setup.security?.mechanism !== "NULL";
      workerAllowed = () => {
        const allow = this.#workerAllow;
        return allow === "any" || allow === undefined ||
          allow.has(sock.lastUserId) ||
          (local && sock.lastUserId === "" &&
            this.endpoints.some((e) => e.startsWith("inproc://")));
      };
    }
    // Attribution: the ZAP handler names CURVE and PLAIN peers only.
    let onClientRequest: (() => void) | undefined;
    if (
      setup.usersCounted > 0 && setup.security !== undefined &&
      setup.security.mechanism !== "NULL"
    ) {
      sock.captureUserId();
      const users = new UserCounts(setup.usersCounted);
      this.#users = users;
      onClientRequest = () => users.count(sock.lastUserId);
    }
    const out: BrokerOutput = {
      send(frames) {
        try {
          return sock.trySend(frames) ? Sent.OK : Sent.FULL;
        } catch (e) {
          if (e instanceof HostUnreachableError) return Sent.GONE;
          throw e;
        }
      },
    };
    this.#core = new BrokerCore({
      env,
      queue: core.createWorkerQueue(),
      policy: setup.policy,
      out,
      log: setup.logger,
      bad: this.#bad,
      events: this.#events,
      impl: core.impl,
      instance: randomInstance(),
      memory: () => Deno.memoryUsage(),
      admit: setup.admit,

      workerAllowed,
      onClientRequest,
    });
  }

  /**
   * Client requests per authenticated identity (attribution): the CURVE
   * client key in Z85 or the PLAIN user name, for at most `usersCounted`
   * identities (the rest summed under `other`). `undefined` without CURVE
   * or PLAIN `security`, or with `usersCounted: 0`.
   * @returns A snapshot (a fresh object).
   * @example
   * ```ts
   * import { curveKeyPair, MajordomoBroker, MajordomoClient } from "@reliable/zmq";
   * const server = curveKeyPair();
   * const alice = curveKeyPair();
   * const broker = await MajordomoBroker.bind("tcp://127.0.0.1:*", {
   *   security: { curve: { secretKey: server.secretKey, allow: [alice.publicKey] } },
   * });
   * const client = await MajordomoClient.connect(broker.endpoints[0], {
   *   security: { curve: { serverKey: server.publicKey, ...alice } },
   * });
   * await client.request("mmi.service", ["echo"]);
   * console.log(broker.requestsByUser()?.users[alice.publicKey]); // 1
   * await client.close();
   * await broker.close();
   * ```
   */
  requestsByUser(): MajordomoUserRequests | undefined {
    return this.#users?.snapshot();
  }

  /**
   * Reads the allow-lists again (`security`'s `allow: { dir }` or PLAIN
   * users file, and `workerSecurity.allow`'s directory) and puts them in
   * force: a key (or user) no longer listed is refused at its next
   * handshake, a newly listed one is admitted. Connections already open
   * are not dropped (libzmq cannot close one peer's connection of a
   * ROUTER), and a registered worker whose key left the worker list stays
   * registered until it disconnects. When a directory or file cannot be
   * read or holds a bad key, nothing changes: the lists in force stay,
   * the error is logged and returned. `deno task broker` calls it on
   * SIGHUP.
   * @returns What changed (added and removed counts), or why nothing did.
   * @throws {TypeError} When the broker has no `security`.
   * @example
   * ```ts
   * import { curveKeyPair, MajordomoBroker, writeKeyPair } from "@reliable/zmq";
   * const dir = await Deno.makeTempDir();
   * const broker = await MajordomoBroker.bind("tcp://127.0.0.1:*", {
   *   security: { curve: { secretKey: curveKeyPair().secretKey, allow: { dir } } },
   * });
   * await writeKeyPair(`${dir}/alice`);
   * await Deno.remove(`${dir}/alice_secret`);
   * const r = broker.reloadSecurity();
   * console.log(r.ok, r.clients.added, r.clients.admitted); // true 1 1
   * await broker.close();
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  reloadSecurity(): SecurityReload {
    const sec = this.#security;
    if (sec === undefined) {
      throw new TypeError(
        `${CLS}.reloadSecurity(): the broker was bound without security`,
      );
    }
    const clientsBefore = this.#clientAllow;
    const workersBefore = this.#workerAllow;
    const hasWorkers = this.#workerAllowSource !== undefined;
    let policy: ZapPolicy;
    let workers: ReadonlySet<string> | "any" | undefined;
    try {
      policy = rereadPolicy(sec.plan);
      workers = hasWorkers
        ? readAllowList(
          `${CLS} workerSecurity.allow`,
          this.#workerAllowSource,
          sec.plan.mechanism === "CURVE",
        )
        : undefined;
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      this.#log.error("security reload failed: keeping the lists in force", {
        error,
      });
      return {
        ok: false,
        error,
        clients: listChange(clientsBefore, clientsBefore),
        ...(hasWorkers
          ? { workers: listChange(workersBefore, workersBefore) }
          : {}),
      };
    }
    const clients = admittedIdentities(policy);
    // The ZAP handler admits workers' keys as well as clients'.
    const c = policy.curve;
    if (workers !== undefined && c !== undefined && c !== "any") {
      policy.curve = workers === "any" ? "any" : new Set([...c, ...workers]);
    }
    sec.update(policy);
    this.#clientAllow = clients;
    this.#workerAllow = workers;
    const result: SecurityReload = {
      ok: true,
      clients: listChange(clientsBefore, clients),
      ...(hasWorkers ? { workers: listChange(workersBefore, workers) } : {}),
    };
    this.#log.info("security reloaded", {
      clientsAdded: result.clients.added,
      clientsRemoved: result.clients.removed,
      clients: result.clients.admitted,
      ...(result.workers
        ? {
          workersAdded: result.workers.added,
          workersRemoved: result.workers.removed,
          workers: result.workers.admitted,
        }
        : {}),
    });
    return result;
  }

  /**
   * The broker's security (`security` option): mechanism, public key and
   * the ZAP handler's admissions and refusals for its socket; `undefined`
   * without `security`.
   * @example
   * ```ts
   * import { curveKeyPair, MajordomoBroker } from "@reliable/zmq";
   * const { secretKey } = curveKeyPair();
   * const broker = await MajordomoBroker.bind("tcp://127.0.0.1:*", {
   *   security: { curve: { secretKey, allow: "any" } },
   * });
   * console.log(broker.securityStats?.mechanism, broker.securityStats?.counters.refused); // "CURVE" 0
   * await broker.close();
   * ```
   */
  get securityStats(): SecurityStats | undefined {
    return this.#security?.stats();
  }

  /**
   * Creates a broker, binds its ROUTER to every endpoint and starts serving.
   *
   * @param endpoint Where to listen: one endpoint or several
   * (`"tcp://*:5555"`, `"tcp://127.0.0.1:*"` for a port picked at bind time,
   * `"ipc://..."`); see `endpoints` for what was bound.
   * @param options Heartbeat, bounds, core, socket options, logger, events.
   * @returns The running broker.
   * @throws {TypeError} On a bad endpoint or a badly typed or unknown option.
   * @throws {RangeError} On an option out of range.
   * @throws {ZmqError} When an endpoint cannot be bound (e.g. in use).
   * @example
   * ```ts
   * import { MajordomoBroker } from "@reliable/zmq";
   * const broker = await MajordomoBroker.bind(["tcp://127.0.0.1:*", "inproc://mdp"]);
   * console.log(broker.endpoints.length); // 2
   * await broker.close();
   * ```
   */
  static async bind(
    endpoint: string | readonly string[],
    options?: MajordomoBrokerOptions,
  ): Promise<MajordomoBroker> {
    const list = checkEndpoints(`${CLS}.bind()`, endpoint);
    const broker = new MajordomoBroker(options);
    try {
      for (const ep of list) broker.#endpoints.push(broker.#sock.bind(ep));
    } catch (e) {
      await broker.close();
      throw e;
    }
    broker.#start();
    return broker;
  }

  /** Which core implementation runs the hot path. */
  get core(): MajordomoCoreImpl {
    return this.#impl;
  }

  /** Endpoints bound, as actually bound (a `*` port resolved). */
  get endpoints(): readonly string[] {
    return this.#endpoints;
  }

  /**
   * Sends DISCONNECT to every registered worker and forgets them (their
   * requests are lost; RZ clients get `502`); the broker keeps running. A
   * Binary Star broker calls it when it becomes passive, so that its
   * workers move to the active broker.
   */
  disconnectWorkers(): void {
    if (this.#closed) return;
    try {
      this.#core.disconnectAll();
    } catch (e) {
      this.#log.error("cannot disconnect workers", { error: String(e) });
    }
  }

  /** A random id per broker start (also in `mmi.rz` and `stats`). */
  get instance(): string {
    return this.#core.instance;
  }

  /**
   * A snapshot of services, workers, queues and counters.
   * @example
   * ```ts
   * import { MajordomoBroker } from "@reliable/zmq";
   * const broker = await MajordomoBroker.bind("tcp://127.0.0.1:*");
   * console.log(broker.stats.workers, broker.stats.counters.requests); // 0 0
   * await broker.close();
   * ```
   */
  get stats(): MajordomoBrokerStats {
    return this.#core.stats();
  }

  /**
   * The registered workers with their state (idle or busy, when last
   * heard). It walks the registry: call it for a page or a report, not per
   * request.
   * @param limit Most workers listed.
   * @returns One entry per worker.
   * @example
   * ```ts
   * import { MajordomoBroker } from "@reliable/zmq";
   * const broker = await MajordomoBroker.bind("tcp://127.0.0.1:*");
   * console.log(broker.workerList()); // []
   * await broker.close();
   * ```
   */
  workerList(limit = Infinity): MajordomoWorkerInfo[] {
    return this.#core.workerList(limit);
  }

  /** Whether {@linkcode MajordomoBroker.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Adds an event listener (besides the `onEvent` option).
   * @param listener Called with every event, synchronously.
   * @returns A function that removes it.
   * @example
   * ```ts
   * import { MajordomoBroker } from "@reliable/zmq";
   * const broker = await MajordomoBroker.bind("tcp://127.0.0.1:*");
   * const off = broker.on((e) => console.log(e.type));
   * off();
   * await broker.close();
   * ```
   */
  on(listener: (event: MajordomoBrokerEvent) => void): () => void {
    if (typeof listener !== "function") {
      throw new TypeError(`${CLS}.on(): listener must be a function`);
    }
    return this.#events.on(listener);
  }

  // ---- loop -------------------------------------------------------------------

  #start(): void {
    this.#core.tick(this.#clock.now());
    this.#arm();
    this.#loop = this.#run();
  }

  #arm(): void {
    if (this.#closed) return;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#tickDue = true;
      // Parked (nothing was waiting): give the reactor one turn to deliver
      // what may have arrived meanwhile (after a pause, say), then sweep.
      if (this.#parked) {
        setImmediate(() => {
          if (this.#tickDue && !this.#closed) this.#tick();
        });
      }
    }, this.#core.nextTickAt - this.#clock.now());
  }

  /** Handles the message in the envelope. */
  #handle(): void {
    try {
      this.#core.onMessage(this.#clock.now(), this.#sink.total);
    } catch (e) {
      this.#core.counters.internalErrors++;
      this.#log.error("internal error handling a message", {
        error: String(e),
      });
    }
  }

  /** Drains what is waiting (bounded), then lets the core sweep. */
  #tick(): void {
    this.#tickDue = false;
    try {
      for (let i = 0; i < DRAIN_MAX; i++) {
        if (this.#sock.tryReceiveInto(this.#sink) === 0) break;
        this.#handle();
      }
      this.#core.tick(this.#clock.now());
    } catch (e) {
      if (this.#closed) return;
      this.#core.counters.internalErrors++;
      this.#log.error("internal error in the heartbeat tick", {
        error: String(e),
      });
    }
    this.#arm();
  }

  async #run(): Promise<void> {
    const sock = this.#sock;
    const sink = this.#sink;
    let sinceYield = 0;
    /** Whether the last message was there at once (a busy streak). */
    let streak = false;
    while (!this.#closed) {
      if (this.#tickDue) this.#tick();
      try {
        // After a wait, one receive call: `receiveInto` writes a message
        // that is ready before it returns (the sink says so) and waits only
        // when none is (a `tryReceiveInto` first would ask libzmq twice each
        // time the socket is empty: a failed receive costs four FFI calls
        // and two system calls). In a busy streak, `tryReceiveInto` (no
        // promise per message); only the streak's end asks twice.
        sink.filled = false;
        let got: Promise<number> | undefined;
        if (!streak || sock.tryReceiveInto(sink) === 0) {
          got = sock.receiveInto(sink);
        }
        streak = sink.filled;
        if (!sink.filled) {
          sinceYield = 0;
          this.#parked = true;
          try {
            await got;
          } finally {
            this.#parked = false;
          }
        }
      } catch (e) {
        if (e instanceof ClosedError || this.#closed) break;
        // The envelope refused the message (over its 1 GiB limit).
        this.#core.counters.invalidMessages++;
        this.#bad.warn("refused", "message refused", { error: String(e) });
        continue;
      }
      this.#handle();
      if (++sinceYield >= YIELD_EVERY) {
        // Under sustained load, let timers and signal handlers run: a
        // setImmediate turn costs microseconds, setTimeout(0) about 2 ms.
        sinceYield = 0;
        await new Promise((r) => setImmediate(r));
      }
    }
  }

  /**
   * Stops the broker: sends DISCONNECT to every registered worker, stops the
   * loop and closes the socket (keeping it `lingerMs` to flush). Idempotent.
   *
   * @returns Resolves once the loop has ended.
   * @example
   * ```ts
   * import { MajordomoBroker } from "@reliable/zmq";
   * const broker = await MajordomoBroker.bind("tcp://127.0.0.1:*");
   * await broker.close();
   * await broker.close(); // again: nothing more to do
   * ```
   */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#closed = true;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    try {
      this.#core.disconnectAll();
    } catch {
      // the socket may be unusable already
    }
    this.#sock.close();
    // After the socket: never a moment when it is open without its policy.
    this.#security?.registration.release();
    const loop = this.#loop;
    this.#closing = loop === undefined ? Promise.resolve() : loop.then(() => {
      this.#bad.flush();
      this.#log.info("broker closed", { counters: this.#core.counters });
    });
    return this.#closing;
  }

  /** Same as {@linkcode MajordomoBroker.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
