/**
 * Options and counters of `DynamicWorkerServer`.
 * @module
 */
import type { Logger } from "../../_util/logger.ts";
import type { DynamicTask } from "./web_worker.ts";

/**
 * A worker module run as a child process (`deno run <denoFlags> <process>`);
 * the module calls `serveDynamicWorker()`.
 *
 * @example
 * ```ts ignore
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
 * @example The guide's endpoints, a child process per request
 * ```ts ignore
 * const options: DynamicWorkerServerOptions = {
 *   frontend: "tcp://*:5555",
 *   backend: "tcp://127.0.0.1:5556",
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
  /** Where clients (REQ, or DEALER with a delimiter) connect (ROUTER). @default "tcp://*:5555" */
  endpoint?: string;
  /** Same as `endpoint` (the seed's name); give one or the other. */
  frontend?: string;
  /**
   * Where workers reply (DEALER). Web Workers and child processes connect to
   * it, so it must be `tcp://` or `ipc://` for them; in-process tasks use an
   * extra `inproc://` endpoint of the same socket. Anyone who can connect
   * here can answer an outstanding job whose id and client it knows, so keep
   * it on loopback or IPC.
   * @default "tcp://127.0.0.1:5556"
   */
  backend?: string;
  /** Workers running at once; requests beyond wait in the queue. @default 8 */
  maxWorkers?: number;
  /** Requests waiting for a worker; beyond, requests are refused with `"503"`. @default 1000 */
  maxQueued?: number;
  /**
   * Time a worker may take, ms; then the client gets `"504"` and a late
   * reply is dropped. A Web Worker is terminated, a child process killed; an
   * in-process task's `signal` aborts, and its slot is freed only when it
   * settles.
   * @default 30000
   */
  jobTimeoutMs?: number;
  /**
   * Web Workers and child processes: keep a finished worker for the next
   * request instead of starting a fresh one per request (the seed's model,
   * much slower).
   * @default true
   */
  reuseWebWorkers?: boolean;
  /** Diagnostics. @default silent */
  logger?: Logger;
}

/**
 * Counters of a `DynamicWorkerServer` (a snapshot).
 *
 * @example
 * ```ts ignore
 * const { replies, staleReplies, active, queued } = server.stats;
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
