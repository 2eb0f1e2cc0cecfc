/**
 * Options and counters of `DynamicWorkerServer`.
 * @module
 */
import type { ServerSecurity } from "../../security/settings.ts";
import type { Clock } from "../../_util/clock.ts";
import type { Logger } from "../../_util/logger.ts";
import type { SocketOptions } from "../../transport/mod.ts";
import type { DynamicWorkerServerEvent } from "./events.ts";
import type { DynamicTask } from "./web_worker.ts";

/**
 * A worker module run as a child process (`deno run <denoFlags> <process>`);
 * the module calls `serveDynamicWorker()`.
 *
 * @example
 * ```ts
 * import type { DynamicProcessWorker } from "@reliable/zmq";
 * const worker: DynamicProcessWorker = {
 *   process: new URL("./upper_worker.ts", import.meta.url),
 *   denoFlags: ["--allow-ffi", "--allow-read", "--allow-env", "--allow-net"],
 * };
 * ```
 */
export interface DynamicProcessWorker {
  /** The worker module (file URL or URL string). */
  process: URL | string;
  /**
   * Flags for `deno run`; the worker needs at least FFI, read, env and net
   * (for a TCP backend) permissions.
   * @default ["-A"]
   */
  denoFlags?: string[];
}

/**
 * Options of `DynamicWorkerServer.bind()`.
 *
 * @example A child process per request
 * ```ts
 * import type { DynamicWorkerServerOptions } from "@reliable/zmq";
 * const options: DynamicWorkerServerOptions = {
 *   worker: { process: new URL("./upper_worker.ts", import.meta.url) },
 *   maxWorkers: 4,
 *   jobTimeoutMs: 10_000,
 * };
 * ```
 */
export interface DynamicWorkerServerOptions {
  /**
   * The worker to start for each request: a function runs as an in-process
   * async task; a `URL` (or URL string) is a module started as a Deno Web
   * Worker; `{ process: URL }` is a module started as a child process. The
   * two modules call `serveDynamicWorker()` (one module can be both).
   */
  worker: DynamicTask | URL | string | DynamicProcessWorker;
  /** Workers running at once; requests beyond wait in the queue. @default 8 */
  maxWorkers?: number;
  /** Requests waiting for a worker; beyond, requests are refused with `"503"`. @default 1000 */
  maxQueued?: number;
  /**
   * Time a worker may take, ms; then the client gets `"504"` and a late
   * reply is dropped. A Web Worker is terminated, a child process killed; an
   * in-process task's `signal` aborts, and its slot is freed only when it
   * settles. `Infinity`: no limit.
   * @default 30000
   */
  jobTimeoutMs?: number;
  /**
   * Web Workers and child processes: keep a finished worker for the next
   * request instead of starting a fresh one per request (much slower).
   * @default true
   */
  reuseWebWorkers?: boolean;
  /**
   * Largest frame accepted on either socket, in bytes; a message with a
   * larger one is refused, counted (`stats.oversize`) and its memory freed.
   * A client's request refused this way gets no reply (it cannot be told
   * from a peer that sends junk); its own timeout applies.
   * @default 16777216 (16 MiB)
   */
  maxFrameBytes?: number;
  /**
   * Largest message accepted (all frames), in bytes; also `ZMQ_MAXMSGSIZE`
   * of both sockets, so a single frame above it is cut off by libzmq with
   * its connection before it takes memory (that case is not counted).
   * @default 67108864 (64 MiB), or `maxFrameBytes` if larger
   */
  maxMessageBytes?: number;
  /** Options for the ROUTER and the DEALER (CURVE keys, high-water marks...). @default {} */
  socketOptions?: SocketOptions;
  /**
   * Who may connect to the frontend (clients), checked by the process's
   * ZAP handler: CURVE with an allow-list, PLAIN, or address lists
   * (docs/SECURITY.md). With it, the backend is secured too (see
   * `secureBackend`).
   * @default none
   */
  security?: ServerSecurity;
  /**
   * Whether the backend (where workers reply) takes CURVE with a key pair
   * made in memory for this server: it admits only the one client key it
   * hands its own Web Workers and child processes (with each job, over
   * `postMessage` or the child's stdin), so no other peer that reaches
   * the backend's port can answer a job. In-process tasks reply over
   * `inproc://`, which needs no key. `false` leaves the backend open
   * (then bind it on `ipc://` or 127.0.0.1).
   * @default true with `security`, false without
   */
  secureBackend?: boolean;
  /** Where diagnostics go. @default warnings and errors to stderr */
  logger?: Logger;
  /** Called for each {@linkcode DynamicWorkerServerEvent}. @default none */
  onEvent?: (event: DynamicWorkerServerEvent) => void;
  /** The time source of the job deadlines (tests pass a `FakeClock`). @default the real clock */
  clock?: Clock;
}

/**
 * Counters of a `DynamicWorkerServer` (a snapshot).
 *
 * @example
 * ```ts
 * import type { DynamicWorkerServerStats } from "@reliable/zmq";
 * const s: Partial<DynamicWorkerServerStats> = { replies: 0 };
 * console.log(s.replies); // 0
 * ```
 */
export interface DynamicWorkerServerStats {
  /** Requests accepted (started or queued). */
  requests: number;
  /** `"200"` replies forwarded. */
  replies: number;
  /** `"500"` replies (forwarded from workers, or sent for dead workers). */
  failures: number;
  /** `"504"` replies sent. */
  timeouts: number;
  /** Requests refused with `"503"`. */
  rejected: number;
  /** Malformed client messages dropped. */
  invalid: number;
  /** Messages refused for their size (either socket). */
  oversize: number;
  /** Replies whose client had gone. */
  droppedReplies: number;
  /** Backend messages for a job no longer (or never) outstanding: late, duplicate or unknown; dropped. */
  staleReplies: number;
  /** Malformed backend messages (bad job frame, wrong client envelope, bad status); dropped. */
  invalidReplies: number;
  /** Workers running now. */
  active: number;
  /** Requests waiting now. */
  queued: number;
  /** Web Workers or child processes alive now (running or idle). */
  webWorkers: number;
}
