/**
 * A server that starts a worker per request (seed 000, the NetMQ "dynamic
 * worker per task" design; PROTOCOLS.md §12).
 * @module
 */
import { ClosedError, HostUnreachableError } from "../../errors.ts";
import type { Logger } from "../../_util/logger.ts";
import type { Frame, Message } from "../../types.ts";
import { RouterSocket } from "../../transport/socket.ts";
import { splitEnvelope } from "../../protocol/ppp.ts";
import {
  checkFrames,
  checkOptions,
  count,
  durationMs,
  endpoint as checkEndpoint,
  logger as checkLogger,
} from "../pirate/_common.ts";
import type { DynamicTask, ResultMessage } from "./web_worker.ts";
import { WebWorkerPool } from "./_web_worker_pool.ts";
import { DynamicStatus } from "./reply.ts";

/** Options of {@linkcode DynamicWorkerServer.bind}. */
export interface DynamicWorkerServerOptions {
  /**
   * The worker to start for each request: a function runs as an in-process
   * async task; a `URL` (or URL string) is a module started as a Deno Web
   * Worker that calls {@linkcode serveDynamicWorker}.
   */
  worker: DynamicTask | URL | string;
  /** Where clients (REQ, or DEALER with a delimiter) connect (ROUTER). @default "tcp://*:5555" */
  endpoint?: string;
  /** Workers running at once; requests beyond wait in the queue. @default 8 */
  maxWorkers?: number;
  /** Requests waiting for a worker; beyond, requests are refused with `"503"`. @default 1000 */
  maxQueued?: number;
  /**
   * Time a worker may take, ms; then the client gets `"504"`. A Web Worker
   * is terminated; an in-process task's `signal` aborts, and its slot is
   * freed only when it settles.
   * @default 30000
   */
  jobTimeoutMs?: number;
  /**
   * Web Workers only: keep a finished worker for the next request instead
   * of starting a fresh one per request (the seed's model, slower).
   * @default true
   */
  reuseWebWorkers?: boolean;
  /** Diagnostics. @default silent */
  logger?: Logger;
}

/** Counters of a {@linkcode DynamicWorkerServer} (a snapshot). */
export interface DynamicWorkerServerStats {
  /** Requests accepted (started or queued). */
  requests: number;
  /** `"200"` replies sent. */
  replies: number;
  /** `"500"` replies sent. */
  failures: number;
  /** `"504"` replies sent. */
  timeouts: number;
  /** Requests refused with `"503"`. */
  rejected: number;
  /** Malformed client messages dropped. */
  invalid: number;
  /** Replies whose client had gone. */
  droppedReplies: number;
  /** Workers running now. */
  active: number;
  /** Requests waiting now. */
  queued: number;
  /** Web Workers alive now (running or idle). */
  webWorkers: number;
}

interface Job {
  envelope: Uint8Array[];
  body: Uint8Array[];
}

/**
 * A server that starts a worker for each request (seed 000; PROTOCOLS.md
 * §12): clients talk to a ROUTER; each request is handed, with its client
 * envelope kept by the server, to a new worker (an in-process async task or
 * a Deno Web Worker, chosen by the one `worker` option), and the worker's
 * result is written back behind that envelope, so every reply reaches the
 * client that asked. Deno Web Workers cannot share the process's libzmq
 * sockets, so the seed's DEALER backend is an in-process channel (a promise
 * or `postMessage`).
 *
 * At most `maxWorkers` run at once; up to `maxQueued` requests wait beyond
 * that, and further ones are refused at once. Every reply starts with a
 * {@linkcode DynamicStatus} frame: a failing worker produces an error
 * reply, never silence.
 *
 * @example An in-process task per request
 * ```ts
 * import { DynamicWorkerServer, parseDynamicReply, ReqSocket } from "@reliable/zmq";
 * const server = await DynamicWorkerServer.bind({
 *   endpoint: "tcp://127.0.0.1:*",
 *   worker: async (req) => ["hello", ...req],
 * });
 * const client = new ReqSocket();
 * client.connect(server.endpoint);
 * await client.send(["from client"]);
 * console.log(parseDynamicReply(await client.receive()).ok); // true
 * client.close();
 * await server.close();
 * ```
 */
export class DynamicWorkerServer implements AsyncDisposable {
  /** The endpoint the ROUTER is bound to (port resolved). */
  readonly endpoint: string;
  /** `"task"` or `"web-worker"`. */
  readonly kind: "task" | "web-worker";
  readonly #router: RouterSocket;
  readonly #task?: DynamicTask;
  readonly #maxWorkers: number;
  readonly #maxQueued: number;
  readonly #timeoutMs: number;
  readonly #log: Logger;
  readonly #abort = new AbortController();
  readonly #queue: Job[] = [];
  #queueHead = 0;
  #active = 0;
  readonly #pool?: WebWorkerPool;
  readonly #running = new Set<Promise<void>>();
  #loop: Promise<void> = Promise.resolve();
  readonly #stats = {
    requests: 0,
    replies: 0,
    failures: 0,
    timeouts: 0,
    rejected: 0,
    invalid: 0,
    droppedReplies: 0,
  };

  private constructor(
    router: RouterSocket,
    endpoint: string,
    o: {
      task?: DynamicTask;
      url?: URL;
      maxWorkers: number;
      maxQueued: number;
      timeoutMs: number;
      reuse: boolean;
      log: Logger;
    },
  ) {
    this.#router = router;
    this.endpoint = endpoint;
    this.#task = o.task;
    if (o.url) this.#pool = new WebWorkerPool(o.url, o.reuse, o.timeoutMs);
    this.kind = o.task ? "task" : "web-worker";
    this.#maxWorkers = o.maxWorkers;
    this.#maxQueued = o.maxQueued;
    this.#timeoutMs = o.timeoutMs;
    this.#log = o.log;
  }

  /**
   * Binds the ROUTER and starts serving.
   *
   * @param options The worker (function or module URL), endpoint, bounds.
   * @returns The running server.
   * @throws {TypeError} On a malformed option (e.g. `worker` neither a
   * function nor a URL).
   * @throws {RangeError} On an option out of range.
   * @throws {AddressInUseError} If the endpoint is taken.
   *
   * @example A Web Worker per request
   * ```ts ignore
   * const server = await DynamicWorkerServer.bind({
   *   worker: new URL("./upper_worker.ts", import.meta.url),
   *   maxWorkers: 4,
   * });
   * ```
   */
  static bind(
    options: DynamicWorkerServerOptions,
  ): Promise<DynamicWorkerServer> {
    const owner = "DynamicWorkerServer.bind()";
    if (options === undefined) {
      throw new TypeError(`${owner}: options with a worker are required`);
    }
    checkOptions(owner, options);
    const w = options.worker;
    let task: DynamicTask | undefined;
    let url: URL | undefined;
    if (typeof w === "function") task = w;
    else if (w instanceof URL) url = w;
    else if (typeof w === "string" && URL.canParse(w)) url = new URL(w);
    else {
      throw new TypeError(
        `${owner}: worker must be a function (in-process task) or a module URL (Web Worker)`,
      );
    }
    const ep = checkEndpoint(
      owner,
      "endpoint",
      options.endpoint ?? "tcp://*:5555",
    );
    const maxWorkers = count(
      owner,
      "maxWorkers",
      options.maxWorkers,
      8,
      1,
      100_000,
    );
    const maxQueued = count(
      owner,
      "maxQueued",
      options.maxQueued,
      1000,
      0,
      10_000_000,
    );
    const timeoutMs = durationMs(
      owner,
      "jobTimeoutMs",
      options.jobTimeoutMs,
      30000,
      1,
      true,
    );
    const reuse = options.reuseWebWorkers ?? true;
    if (typeof reuse !== "boolean") {
      throw new TypeError(`${owner}: reuseWebWorkers must be a boolean`);
    }
    const log = checkLogger(owner, options.logger);
    const router = new RouterSocket({ routerMandatory: true });
    try {
      const bound = router.bind(ep);
      const s = new DynamicWorkerServer(router, bound, {
        task,
        url,
        maxWorkers,
        maxQueued,
        timeoutMs,
        reuse,
        log,
      });
      s.#loop = s.#receiveLoop();
      log.info("dynamic worker server up", { endpoint: bound, kind: s.kind });
      return Promise.resolve(s);
    } catch (e) {
      router.close();
      throw e;
    }
  }

  /** Counters (a snapshot). */
  get stats(): DynamicWorkerServerStats {
    return {
      ...this.#stats,
      active: this.#active,
      queued: this.#queue.length - this.#queueHead,
      webWorkers: this.#pool?.size ?? 0,
    };
  }

  async #receiveLoop(): Promise<void> {
    while (!this.#abort.signal.aborted) {
      let m: Message;
      try {
        m = await this.#router.receive();
      } catch (e) {
        if (e instanceof ClosedError) return;
        throw e;
      }
      const split = splitEnvelope(m);
      if (split === null) {
        this.#stats.invalid++;
        this.#log.warn("malformed request dropped", { frames: m.length });
        continue;
      }
      const job: Job = { envelope: split.envelope, body: split.body };
      if (this.#active < this.#maxWorkers) {
        this.#stats.requests++;
        this.#start(job);
      } else if (this.#queue.length - this.#queueHead < this.#maxQueued) {
        this.#stats.requests++;
        this.#queue.push(job);
      } else {
        this.#stats.rejected++;
        this.#reply(job, DynamicStatus.BUSY, [
          `server busy: ${this.#maxWorkers} workers running and ${this.#maxQueued} requests queued`,
        ]);
      }
    }
  }

  #reply(job: Job, status: DynamicStatus, body: readonly Frame[]): void {
    const out = [...job.envelope, status, ...body];
    try {
      if (this.#router.trySend(out)) return;
      this.#router.send(out).catch((e) => this.#sendFailed(e));
    } catch (e) {
      this.#sendFailed(e);
    }
  }

  #sendFailed(e: unknown): void {
    if (e instanceof HostUnreachableError) {
      this.#stats.droppedReplies++;
      this.#log.debug("client gone, reply dropped");
    } else if (!(e instanceof ClosedError)) {
      this.#log.error("reply failed", { error: String(e) });
    }
  }

  #start(job: Job): void {
    this.#active++;
    const p = this.#runJob(job).finally(() => {
      this.#running.delete(p);
      this.#active--;
      this.#pump();
    });
    this.#running.add(p);
  }

  #pump(): void {
    while (
      this.#active < this.#maxWorkers &&
      this.#queueHead < this.#queue.length &&
      !this.#abort.signal.aborted
    ) {
      const job = this.#queue[this.#queueHead];
      this.#queue[this.#queueHead++] = undefined as unknown as Job;
      if (this.#queueHead > 1024 && this.#queueHead * 2 > this.#queue.length) {
        this.#queue.splice(0, this.#queueHead);
        this.#queueHead = 0;
      }
      this.#start(job);
    }
  }

  async #runJob(job: Job): Promise<void> {
    let settled: Promise<unknown> | undefined;
    let result: ResultMessage | "timeout";
    if (this.#task) {
      const run = this.#runTask(job);
      settled = run.done;
      result = await run.first;
    } else {
      result = await this.#pool!.run(job.body);
    }
    if (!this.#abort.signal.aborted) this.#answer(job, result);
    // An in-process task that timed out keeps its slot until it settles,
    // so the bound on concurrent workers stays true.
    if (settled) await settled;
  }

  #answer(job: Job, result: ResultMessage | "timeout"): void {
    if (result === "timeout") {
      this.#stats.timeouts++;
      this.#reply(job, DynamicStatus.TIMEOUT, [
        `worker exceeded ${this.#timeoutMs} ms`,
      ]);
      return;
    }
    if (result.ok) {
      try {
        checkFrames("worker reply", result.frames);
      } catch (e) {
        this.#stats.failures++;
        this.#reply(job, DynamicStatus.FAILED, [String(e)]);
        return;
      }
      this.#stats.replies++;
      this.#reply(job, DynamicStatus.OK, result.frames);
      return;
    }
    this.#stats.failures++;
    this.#log.warn("worker failed", { error: result.error });
    this.#reply(job, DynamicStatus.FAILED, [result.error]);
  }

  #runTask(
    job: Job,
  ): { first: Promise<ResultMessage | "timeout">; done: Promise<unknown> } {
    const ac = new AbortController();
    const onClose = () => ac.abort(this.#abort.signal.reason);
    this.#abort.signal.addEventListener("abort", onClose, { once: true });
    const run = (async (): Promise<ResultMessage> => {
      try {
        const frames = await this.#task!(job.body, { signal: ac.signal });
        return { id: 0, ok: true, frames: frames as Frame[] };
      } catch (e) {
        return {
          id: 0,
          ok: false,
          error: e instanceof Error ? `${e.name}: ${e.message}` : String(e),
        };
      }
    })();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = run.finally(() => {
      clearTimeout(timer);
      this.#abort.signal.removeEventListener("abort", onClose);
    });
    if (this.#timeoutMs === Infinity) return { first: run, done };
    const first = Promise.race([
      run,
      new Promise<"timeout">((r) => {
        timer = setTimeout(() => {
          ac.abort(new Error("job timed out"));
          r("timeout");
        }, this.#timeoutMs);
      }),
    ]);
    return { first, done };
  }

  /**
   * Stops accepting requests, aborts running tasks, terminates Web Workers
   * and closes the socket. Idempotent.
   *
   * @example
   * ```ts ignore
   * await server.close();
   * ```
   */
  async close(): Promise<void> {
    if (!this.#abort.signal.aborted) {
      this.#abort.abort(new ClosedError("Server closed"));
      this.#router.close();
      this.#pool?.close();
      this.#queue.length = 0;
      this.#queueHead = 0;
    }
    await this.#loop.catch(() => {});
    await Promise.allSettled([...this.#running]);
  }

  /** Closes the server (`await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
