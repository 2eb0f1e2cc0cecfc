/**
 * The public types of {@linkcode MajordomoBroker}: its options, its stats
 * snapshot and its events.
 *
 * @module
 */
import type { AllowList, ServerSecurity } from "../../security/settings.ts";
import type { Logger } from "../../_util/logger.ts";
import type { Clock } from "../../_util/clock.ts";
import type { SocketOptions } from "../../transport/mod.ts";

/**
 * Which implementation of the core runs the broker's hot path.
 *
 * @example
 * ```ts
 * import type { MajordomoCoreImpl } from "@reliable/zmq";
 * const impl: MajordomoCoreImpl = "wasm";
 * ```
 */
export type MajordomoCoreImpl = "wasm" | "ts";

/**
 * Options of {@linkcode MajordomoBroker.bind}. Unknown keys are refused.
 *
 * What happens at each bound (all counted in `stats.counters`, logged at
 * warn with a rate limit, and reported to reliable-zmq clients as an error
 * reply; a plain 7/MDP client gets no reply and times out):
 *
 * | Bound | What is refused | Error reply |
 * |---|---|---|
 * | `maxQueue` | a request for a service that already has this many waiting | `503` |
 * | `maxPendingRequests` | a request when this many wait across all services | `503` |
 * | `maxPendingBytes` | a request whose bytes would take the waiting total past it | `503` |
 * | `maxServices` | a request or READY for a new service past it | `503` (READY: DISCONNECT) |
 * | `maxWorkers` | a READY past it | DISCONNECT |
 * | `requestTtlMs` | a request that waited this long for a worker | `504` |
 * | `maxFrameBytes` | a message with a larger frame | `503` |
 *
 * @example
 * ```ts
 * import type { MajordomoBrokerOptions } from "@reliable/zmq";
 * const options: MajordomoBrokerOptions = { heartbeatIntervalMs: 1000, liveness: 5, requestTtlMs: 10000 };
 * ```
 */
export interface MajordomoBrokerOptions {
  /**
   * How often the broker heartbeats each worker and sweeps expired workers
   * and requests, in ms (zguide `HEARTBEAT_INTERVAL`).
   * @default 2500
   */
  heartbeatIntervalMs?: number;
  /**
   * Heartbeat intervals of silence after which a worker counts as dead
   * (zguide `HEARTBEAT_LIVENESS`; the spec says usually 3-5). Silence is
   * measured on the broker's own running time: a pause of the broker
   * process (SIGSTOP, a long GC, a slow disk) counts as one interval at
   * most, so it never expires workers whose heartbeats were waiting.
   * @default 3
   */
  liveness?: number;
  /**
   * How long a request may wait in its service's queue for a worker, in ms;
   * then it is dropped (error `504` to a reliable-zmq client). `Infinity`
   * keeps requests until a worker comes, as the guide's broker does.
   * @default 60000
   */
  requestTtlMs?: number;
  /**
   * Most requests waiting for one service; a request past it is dropped
   * (error `503`). The default takes a burst of 100,000 requests from one
   * client; `maxPendingBytes` is what bounds memory.
   * @default 500000
   */
  maxQueue?: number;
  /**
   * Most requests waiting across all services.
   * @default 1000000
   */
  maxPendingRequests?: number;
  /**
   * Most bytes held by waiting requests across all services: their frames
   * plus an estimate of the bookkeeping around each (256 bytes a request,
   * 96 a frame), so that it bounds the broker's memory.
   * @default 268435456 (256 MiB)
   */
  maxPendingBytes?: number;
  /**
   * Most services known at once (a service is forgotten as soon as it has
   * no worker and no waiting request). Requests for a new service past it
   * are dropped; READYs past it are answered with DISCONNECT.
   * @default 10000
   */
  maxServices?: number;
  /**
   * Most registered workers; a READY past it is answered with DISCONNECT.
   * @default 100000
   */
  maxWorkers?: number;
  /**
   * Largest frame the broker accepts, in bytes, advertised in `mmi.rz`. A
   * message with a larger frame is dropped, counted and logged (error `503`
   * to a reliable-zmq client). A frame over twice this size is not even
   * read: libzmq drops the sender's connection (`ZMQ_MAXMSGSIZE`).
   * @default 16777216 (16 MiB)
   */
  maxFrameBytes?: number;
  /**
   * Whether a busy worker silent for `liveness` heartbeat intervals is
   * expired too. 7/MDP says both sides MUST heartbeat at regular intervals,
   * and our `MajordomoWorker` heartbeats while it works; but the guide's
   * single-threaded worker (`mdwrkapi`) is silent while its handler runs, so
   * set this to `false` for such workers with requests longer than
   * `heartbeatIntervalMs × liveness`.
   * @default true
   */
  expireBusyWorkers?: boolean;
  /**
   * Which core runs the hot path: the WebAssembly `Envelope` and
   * `WorkerQueue` (`"wasm"`), their TypeScript twins (`"ts"`), or WASM with
   * a fallback to TS when WebAssembly cannot be loaded (`"auto"`).
   * @default "auto"
   */
  core?: "auto" | MajordomoCoreImpl;
  /**
   * How long `close()` keeps trying to deliver the final DISCONNECTs, in ms.
   * @default 1000
   */
  lingerMs?: number;
  /**
   * Messages the ROUTER queues for one peer before further sends to it are
   * dropped (and counted); bounds the memory a client that never reads can
   * pin.
   * @default 100000
   */
  sendHighWaterMark?: number;
  /**
   * Messages libzmq buffers from one peer before that peer's sends wait
   * (back-pressure); bounds the memory a fast sender can pin.
   * @default 1000
   */
  receiveHighWaterMark?: number;
  /**
   * libzmq options for the broker's ROUTER, applied over the broker's own
   * defaults: `routerHandover: true` (a peer reconnecting with the same
   * routing id takes its identity over), `backlog: 4096`, and the
   * transport's TCP keepalive, which reaps dead connections. ZMTP
   * heartbeats (`zmtpHeartbeatIntervalMs`) can be set here but cost
   * O(connections) per message in libzmq 4.3's I/O thread: leave them off
   * on a broker with thousands of clients. `routerMandatory` and `maxMessageSize` are the
   * broker's own and cannot be set here.
   * @default {}
   */
  socketOptions?: SocketOptions;
  /**
   * Who may connect (docs/SECURITY.md): CURVE keys and an allow-list of
   * client keys, PLAIN users, or address lists, checked by the process's
   * ZAP handler. Without it the broker is open to anyone who can reach it.
   * @default none
   */
  security?: ServerSecurity;
  /**
   * Who may register as a worker, among those `security` admits: the
   * CURVE public keys (or PLAIN user names) allowed to send READY. Their
   * keys are admitted by the ZAP handler as well; a READY from any other
   * connection is refused (counted in `refusedWorkers`, event
   * `worker:refused` with reason `"not-authorized"`) and sent DISCONNECT.
   * Needs `security`.
   * @default every connection `security` admits may register
   */
  workerSecurity?: { allow: AllowList };
  /**
   * Attribution: with CURVE or PLAIN `security`, the broker counts client
   * requests per authenticated identity (the client's key in Z85, or its
   * PLAIN user name; see {@linkcode MajordomoBroker.requestsByUser}). At
   * most this many identities are counted one by one; the requests of any
   * further identity are summed under `other`, so memory stays bounded
   * whatever the number of keys. `0` turns attribution off (the broker then
   * skips reading each message's `User-Id`, unless `workerSecurity` needs
   * it). No effect without CURVE or PLAIN.
   * @default 1000
   */
  usersCounted?: number;
  /** Where diagnostics go. @default warnings and errors to stderr */
  logger?: Logger;
  /** Called with every {@linkcode MajordomoBrokerEvent}. */
  onEvent?: (event: MajordomoBrokerEvent) => void;
  /** The time source (tests pass a `FakeClock`). @default the real clock */
  clock?: Clock;
  /**
   * Decides, for every valid client or worker message, whether this broker
   * serves it now: the hook that makes the broker one node of a Binary
   * Star pair (`MajordomoBrokerPair`), where it asks the pair's node
   * (`vote()` for a client, `active` for a worker). A refused client
   * message is dropped unanswered (the client times out and tries the
   * other broker); a refused worker message is answered with DISCONNECT
   * (a registered worker is forgotten), so the worker reconnects to the
   * other broker. Both are counted in `counters.notAdmitted`.
   * @default every message is served
   */
  admit?: (from: "client" | "worker") => boolean;
}

/**
 * Counters kept by {@linkcode MajordomoBroker}.
 *
 * @example
 * ```ts
 * import type { MajordomoBrokerCounters } from "@reliable/zmq";
 * const lost = (c: MajordomoBrokerCounters) => c.droppedRequests + c.expiredRequests;
 * ```
 */
export interface MajordomoBrokerCounters {
  /** Valid client requests received (MMI included). */
  requests: number;
  /** Requests handed to a worker. */
  dispatched: number;
  /** Replies forwarded to clients (error replies not included). */
  replies: number;
  /** Requests answered by the broker itself (`mmi.*`). */
  mmi: number;
  /** Requests dropped after waiting `requestTtlMs`. */
  expiredRequests: number;
  /** Requests dropped at a bound (`maxQueue`, `maxPendingRequests`, `maxPendingBytes`, `maxServices`) or malformed for RZ. */
  droppedRequests: number;
  /** Waiting requests dropped because their client was gone. */
  abandonedRequests: number;
  /** RZ resends dropped because the broker still held the request. */
  duplicatesSuppressed: number;
  /** Requests held by a worker that died or disconnected. */
  lostRequests: number;
  /** Error replies from workers (their handler failed). */
  handlerErrors: number;
  /** Error replies sent to RZ clients (every code). */
  errorReplies: number;
  /** Replies that could not be delivered (client gone, or its queue full). */
  unroutableReplies: number;
  /** Messages that broke 7/MDP (dropped). */
  invalidMessages: number;
  /** Messages with a frame over `maxFrameBytes` (dropped). */
  oversizeMessages: number;
  /** DISCONNECT commands sent to workers. */
  disconnectsSent: number;
  /** Workers removed after `liveness` silent heartbeat intervals. */
  expiredWorkers: number;
  /** READYs refused (bounds, `mmi.*` service, a worker not in `workerSecurity`). */
  refusedWorkers: number;
  /** Pauses of the broker itself longer than the expiry window (not charged to workers). */
  pauses: number;
  /** Disconnect notifications (`[id][""]`, see `ZMQ_ROUTER_NOTIFY`): peers known gone at once. */
  peersGone: number;
  /** Errors caught inside the broker loop (should stay 0). */
  internalErrors: number;
  /** Messages refused by the `admit` option (a Binary Star broker not active). */
  notAdmitted: number;
}

/**
 * One service in {@linkcode MajordomoBrokerStats}.
 *
 * @example
 * ```ts
 * import type { MajordomoServiceStats } from "@reliable/zmq";
 * const s: MajordomoServiceStats = { name: "echo", workers: 2, waiting: 1, queued: 0 };
 * ```
 */
export interface MajordomoServiceStats {
  /** The service name. */
  name: string;
  /** Registered workers (busy or waiting). */
  workers: number;
  /** Workers waiting for a request. */
  waiting: number;
  /** Requests waiting for a worker. */
  queued: number;
}

/**
 * A snapshot of the broker's state, from `stats` or `mmi.stats`.
 *
 * @example
 * ```ts
 * import type { MajordomoBrokerStats } from "@reliable/zmq";
 * const busy = (s: MajordomoBrokerStats) => s.workers - s.services.reduce((n, x) => n + x.waiting, 0);
 * ```
 */
export interface MajordomoBrokerStats {
  /** Which core implementation the broker runs on. */
  core: MajordomoCoreImpl;
  /** A random id per broker start (also in `mmi.rz`). */
  instance: string;
  /** Registered workers. */
  workers: number;
  /** Requests waiting across all services. */
  queued: number;
  /** Bytes held by waiting requests (see `maxPendingBytes`). */
  queuedBytes: number;
  /** RZ requests held (waiting or at a worker): the duplicate filter's size. */
  held: number;
  /** Every known service. */
  services: MajordomoServiceStats[];
  /** Running counters. */
  counters: MajordomoBrokerCounters;
  /**
   * Every registered worker (at most 10,000), only in `mmi.stats` asked
   * with the body `"workers"`.
   */
  workerList?: MajordomoWorkerInfo[];
  /** The process's memory use (`Deno.memoryUsage()`), in bytes. */
  memory: {
    rss: number;
    heapTotal: number;
    heapUsed: number;
    external: number;
  };
}

/**
 * Client requests per authenticated identity, from
 * {@linkcode MajordomoBroker.requestsByUser} (attribution; see the
 * `usersCounted` option).
 *
 * @example
 * ```ts
 * import type { MajordomoUserRequests } from "@reliable/zmq";
 * const r: MajordomoUserRequests = {
 *   usersCounted: 1000,
 *   users: { "alice": 12 },
 *   other: 0,
 *   unauthenticated: 0,
 * };
 * console.log(Object.values(r.users).reduce((a, b) => a + b, r.other)); // 12
 * ```
 */
export interface MajordomoUserRequests {
  /** Most identities counted one by one (the `usersCounted` option). */
  usersCounted: number;
  /**
   * Requests per identity: the CURVE client key in Z85, or the PLAIN user
   * name; most requests first.
   */
  users: Record<string, number>;
  /** Requests of identities beyond the first `usersCounted`. */
  other: number;
  /** Requests from connections without an identity (inproc peers in this process). */
  unauthenticated: number;
}

/**
 * One registered worker, from {@linkcode MajordomoBroker.workerList} or
 * `mmi.stats` asked with the body `"workers"`.
 *
 * @example
 * ```ts
 * import type { MajordomoWorkerInfo } from "@reliable/zmq";
 * const w: MajordomoWorkerInfo = { service: "echo", worker: "0080000001", busy: false, heardMsAgo: 120, busyMs: 0 };
 * console.log(w.busy ? "busy" : "idle"); // "idle"
 * ```
 */
export interface MajordomoWorkerInfo {
  /** Its service. */
  service: string;
  /** Its routing identity, hex. */
  worker: string;
  /** Whether it holds a request. */
  busy: boolean;
  /** How long ago the broker last heard from it (any command), ms of the broker's running time. */
  heardMsAgo: number;
  /** How long it has held its request, ms (0 when idle). */
  busyMs: number;
}

/** Why a request was dropped (event `request:dropped`). */
export type MajordomoDropReason =
  | "max-queue"
  | "max-pending-requests"
  | "max-pending-bytes"
  | "max-services"
  | "frame-too-large"
  | "empty-body"
  | "client-gone";

/** Why a worker left (event `worker:disconnected`). */
export type MajordomoWorkerLeaveReason =
  | "disconnect"
  | "protocol"
  | "unreachable"
  | "closing";

/**
 * What a {@linkcode MajordomoBroker} reports through `onEvent`. Identities
 * (`client`, `worker`) are hex strings; `id` is the request's RZ
 * correlation id, or -1 for a plain 7/MDP client.
 *
 * @example Counting answered requests
 * ```ts
 * import type { MajordomoBrokerEvent } from "@reliable/zmq";
 * let answered = 0;
 * const onEvent = (e: MajordomoBrokerEvent) => {
 *   if (e.type === "request:answered") answered++;
 * };
 * onEvent({ type: "request:answered", service: "echo", client: "00", id: -1, worker: "01", failed: false });
 * console.log(answered); // 1
 * ```
 */
export type MajordomoBrokerEvent =
  | { type: "worker:ready"; service: string; worker: string }
  | { type: "worker:expired"; service: string; worker: string; busy: boolean }
  | {
    type: "worker:disconnected";
    service: string;
    worker: string;
    reason: MajordomoWorkerLeaveReason;
  }
  | {
    type: "worker:refused";
    service: string;
    worker: string;
    reason: "max-workers" | "max-services" | "mmi-service" | "not-authorized";
  }
  | {
    type: "request:queued";
    service: string;
    client: string;
    id: number;
    queued: number;
  }
  | {
    type: "request:dispatched";
    service: string;
    client: string;
    id: number;
    worker: string;
  }
  | {
    type: "request:answered";
    service: string;
    client: string;
    id: number;
    worker: string;
    failed: boolean;
  }
  | { type: "request:expired"; service: string; client: string; id: number }
  | {
    type: "request:dropped";
    service: string;
    client: string;
    id: number;
    reason: MajordomoDropReason;
  }
  | { type: "request:duplicate"; service: string; client: string; id: number }
  | {
    type: "request:lost";
    service: string;
    client: string;
    id: number;
    worker: string;
  }
  | {
    type: "reply:unroutable";
    service: string;
    client: string;
    id: number;
    reason: "gone" | "full";
  }
  | { type: "mmi:answered"; service: string; client: string; status: string }
  | { type: "message:invalid"; reason: string; frame: number }
  | { type: "message:oversize"; frameBytes: number; limit: number }
  | { type: "broker:paused"; ms: number };
