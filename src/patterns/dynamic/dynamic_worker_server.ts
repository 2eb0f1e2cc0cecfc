/**
 * A server that starts a worker per request (seed 000, the NetMQ "dynamic
 * worker per task" design; PROTOCOLS.md §12): a ROUTER frontend for clients
 * and a DEALER backend that every worker replies to.
 * @module
 */
import { ClosedError, HostUnreachableError } from "../../errors.ts";
import type { Frame, Message } from "../../types.ts";
import { DealerSocket, RouterSocket } from "../../transport/socket.ts";
import { splitEnvelope } from "../../protocol/ppp/codec.ts";
import { type JobMessage, runDynamicTask } from "./web_worker.ts";
import {
  type Lease,
  processSpawner,
  webWorkerSpawner,
  WorkerPool,
} from "./_web_worker_pool.ts";
import { DynamicStatus } from "./reply.ts";
import type {
  DynamicWorkerServerOptions,
  DynamicWorkerServerStats,
} from "./options.ts";
import { type ParsedOptions, parseOptions } from "./_options.ts";
import { JobIds, sameFrame, workerEndpoint } from "./_jobs.ts";

interface Job {
  seq: number;
  id: Uint8Array;
  envelope: Uint8Array[];
  body: Uint8Array[];
  timer?: ReturnType<typeof setTimeout>;
  lease?: Lease;
  abort?: AbortController;
}

/**
 * A server that starts a worker for each request (seed 000; PROTOCOLS.md
 * §12). Clients talk to a ROUTER frontend; each request is handed, with its
 * client envelope and a job id, to a new worker: an in-process async task,
 * a Deno Web Worker or a child process, chosen by the one `worker` option.
 * The worker sends its reply on a DEALER connected to the server's DEALER
 * backend as `[job id][...client envelope][status][...reply]`; the server
 * reads the backend, drops the job-id frame and forwards the rest unchanged
 * to the frontend, which routes it to the client that asked. Tasks share
 * one DEALER connected over `inproc://`; every Web Worker or child process
 * opens its own, over TCP or IPC.
 *
 * Each job is answered once: a backend message whose job is no longer
 * outstanding (answered, timed out, failed) is dropped and counted. At most
 * `maxWorkers` run at once; up to `maxQueued` requests wait beyond that,
 * and further ones are refused at once. Every reply starts with a
 * {@linkcode DynamicStatus} frame: a failing, crashed or killed worker
 * produces an error reply, never silence.
 *
 * @example An in-process task per request
 * ```ts
 * import { DynamicWorkerServer, parseDynamicReply, ReqSocket } from "@reliable/zmq";
 * const server = await DynamicWorkerServer.bind({
 *   endpoint: "tcp://127.0.0.1:*",
 *   backend: "tcp://127.0.0.1:*",
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
  /** The endpoint the ROUTER frontend is bound to (port resolved). */
  readonly endpoint: string;
  /** The endpoint the DEALER backend is bound to (port resolved). */
  readonly backend: string;
  /** `"task"`, `"web-worker"` or `"process"`. */
  readonly kind: "task" | "web-worker" | "process";
  readonly #o: ParsedOptions;
  readonly #router: RouterSocket;
  readonly #back: DealerSocket;
  readonly #taskOut?: DealerSocket;
  readonly #pool?: WorkerPool;
  readonly #workerEp: string;
  readonly #abort = new AbortController();
  readonly #ids = new JobIds();
  readonly #outstanding = new Map<number, Job>();
  readonly #queue: Job[] = [];
  #queueHead = 0;
  #active = 0;
  readonly #running = new Set<Promise<void>>();
  #loops: Promise<unknown> = Promise.resolve();
  readonly #stats = {
    requests: 0,
    replies: 0,
    failures: 0,
    timeouts: 0,
    rejected: 0,
    invalid: 0,
    droppedReplies: 0,
    staleReplies: 0,
    invalidReplies: 0,
  };

  private constructor(
    o: ParsedOptions,
    router: RouterSocket,
    back: DealerSocket,
  ) {
    this.#o = o;
    this.kind = o.kind;
    this.#router = router;
    this.#back = back;
    // Bind order matters to the caller's cleanup: frontend, then backend.
    this.endpoint = router.bind(o.endpoint);
    this.backend = back.bind(o.backend);
    this.#workerEp = workerEndpoint(this.backend);
    if (o.task) {
      // Tasks reply on one shared DEALER, over an extra inproc endpoint.
      this.#workerEp = back.bind(
        `inproc://reliable-zmq-dynamic-${crypto.randomUUID()}`,
      );
      this.#taskOut = new DealerSocket({ sendHighWaterMark: 0 });
      this.#taskOut.connect(this.#workerEp);
    }
    if (o.url) {
      this.#pool = new WorkerPool(
        o.kind === "process"
          ? processSpawner(o.url, o.denoFlags)
          : webWorkerSpawner(o.url),
        o.reuse,
      );
    }
  }

  /**
   * Binds the ROUTER frontend and the DEALER backend and starts serving.
   *
   * @param options The worker (function, module URL or `{ process }`),
   * endpoints, bounds.
   * @returns The running server.
   * @throws {TypeError} On a malformed option (e.g. `worker` neither a
   * function nor a URL, or an `inproc://` backend for Web Workers).
   * @throws {RangeError} On an option out of range.
   * @throws {AddressInUseError} If an endpoint is taken.
   *
   * @example A Web Worker per request
   * ```ts ignore
   * const server = await DynamicWorkerServer.bind({
   *   worker: new URL("./upper_worker.ts", import.meta.url),
   *   maxWorkers: 4,
   * });
   * console.log(server.endpoint, server.backend);
   * ```
   */
  static bind(
    options: DynamicWorkerServerOptions,
  ): Promise<DynamicWorkerServer> {
    const o = parseOptions(options);
    const router = new RouterSocket({ routerMandatory: true });
    const back = new DealerSocket({ receiveHighWaterMark: 0 });
    let s: DynamicWorkerServer;
    try {
      s = new DynamicWorkerServer(o, router, back);
    } catch (e) {
      router.close();
      back.close();
      throw e;
    }
    s.#loops = Promise.all([s.#frontLoop(), s.#backLoop()]);
    o.log.info("dynamic worker server up", {
      frontend: s.endpoint,
      backend: s.backend,
      kind: s.kind,
    });
    return Promise.resolve(s);
  }

  /** The endpoint the ROUTER frontend is bound to; same as `endpoint`. */
  get frontend(): string {
    return this.endpoint;
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

  async #frontLoop(): Promise<void> {
    while (!this.#abort.signal.aborted) {
      let m: Message;
      try {
        m = await this.#router.receive();
      } catch (e) {
        if (e instanceof ClosedError) return;
        throw e;
      }
      this.#onRequest(m);
    }
  }

  #onRequest(m: Message): void {
    const split = splitEnvelope(m);
    if (split === null) {
      this.#stats.invalid++;
      this.#o.log.warn("malformed request dropped", { frames: m.length });
      return;
    }
    if (this.#active < this.#o.maxWorkers) {
      this.#stats.requests++;
      this.#start(split.envelope, split.body);
    } else if (this.#queue.length - this.#queueHead < this.#o.maxQueued) {
      this.#stats.requests++;
      this.#queue.push({
        seq: 0,
        id: new Uint8Array(0),
        envelope: split.envelope,
        body: split.body,
      });
    } else {
      this.#stats.rejected++;
      this.#send([
        ...split.envelope,
        DynamicStatus.BUSY,
        `server busy: ${this.#o.maxWorkers} workers running and ${this.#o.maxQueued} requests queued`,
      ]);
    }
  }

  async #backLoop(): Promise<void> {
    while (!this.#abort.signal.aborted) {
      let m: Message | null;
      try {
        m = await this.#back.receive();
        while (m !== null) {
          this.#onBackend(m);
          m = this.#back.tryReceive();
        }
      } catch (e) {
        if (e instanceof ClosedError) return;
        throw e;
      }
    }
  }

  /** A worker's reply `[job][...envelope][status][...reply]` from the backend. */
  #onBackend(m: Message): void {
    const seq = this.#ids.parse(m[0]);
    if (seq === undefined || m.length < 3) {
      this.#stats.invalidReplies++;
      this.#o.log.warn("malformed backend message dropped", {
        frames: m.length,
      });
      return;
    }
    const job = this.#outstanding.get(seq);
    if (job === undefined) {
      this.#stats.staleReplies++;
      this.#o.log.debug("reply for a job no longer outstanding dropped", {
        seq,
      });
      return;
    }
    const env = job.envelope;
    const st = m.length > env.length + 1 ? m[env.length + 1] : undefined;
    const status = st?.length === 3
      ? String.fromCharCode(st[0], st[1], st[2])
      : "";
    let ok = status === DynamicStatus.OK && m.length > env.length + 2;
    ok ||= status === DynamicStatus.FAILED;
    for (let i = 0; ok && i < env.length; i++) ok = sameFrame(m[i + 1], env[i]);
    if (!ok) {
      // Wrong client or no status: not this job's reply; the job waits on.
      this.#stats.invalidReplies++;
      this.#o.log.warn("backend message does not match its job, dropped", {
        seq,
      });
      return;
    }
    this.#finish(job, "reply");
    if (status === DynamicStatus.OK) this.#stats.replies++;
    else this.#stats.failures++;
    this.#send(m.slice(1));
  }

  #send(out: Frame[]): void {
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
      this.#o.log.debug("client gone, reply dropped");
    } else if (!(e instanceof ClosedError)) {
      this.#o.log.error("reply failed", { error: String(e) });
    }
  }

  /** Ends a job's outstanding state; frees a pooled worker's slot. */
  #finish(job: Job, how: "reply" | "timeout" | "died"): void {
    this.#outstanding.delete(job.seq);
    clearTimeout(job.timer);
    if (job.lease) {
      if (how === "reply") job.lease.release();
      else job.lease.kill();
      job.lease = undefined;
      this.#freeSlot();
    }
    if (how === "timeout") job.abort?.abort(new Error("job timed out"));
  }

  #freeSlot(): void {
    this.#active--;
    this.#pump();
  }

  #start(envelope: Uint8Array[], body: Uint8Array[]): void {
    this.#active++;
    const { seq, id } = this.#ids.next(this.#outstanding);
    const job: Job = { seq, id, envelope, body };
    this.#outstanding.set(seq, job);
    if (this.#o.timeoutMs !== Infinity) {
      job.timer = setTimeout(() => this.#timedOut(job), this.#o.timeoutMs);
    }
    const msg: JobMessage = {
      backend: this.#workerEp,
      job: id,
      envelope,
      frames: body,
    };
    if (this.#o.task) {
      // The task's slot is freed when it settles, even after a "504", so
      // the bound on concurrent workers stays true.
      const ac = new AbortController();
      job.abort = ac;
      const onClose = () => ac.abort(this.#abort.signal.reason);
      this.#abort.signal.addEventListener("abort", onClose, { once: true });
      const p = runDynamicTask(this.#o.task, msg, ac.signal)
        .then((out) => this.#taskReply(out))
        .finally(() => {
          this.#abort.signal.removeEventListener("abort", onClose);
          this.#running.delete(p);
          this.#freeSlot();
        });
      this.#running.add(p);
    } else {
      job.lease = this.#pool!.start(msg, (reason) => this.#died(job, reason));
    }
  }

  async #taskReply(out: Frame[]): Promise<void> {
    if (this.#abort.signal.aborted) return;
    try {
      if (!this.#taskOut!.trySend(out)) await this.#taskOut!.send(out);
    } catch (e) {
      if (!(e instanceof ClosedError)) {
        this.#o.log.error("task reply failed", { error: String(e) });
      }
    }
  }

  #timedOut(job: Job): void {
    if (!this.#outstanding.has(job.seq) || this.#abort.signal.aborted) return;
    this.#finish(job, "timeout");
    this.#stats.timeouts++;
    this.#send([
      ...job.envelope,
      DynamicStatus.TIMEOUT,
      `worker exceeded ${this.#o.timeoutMs} ms`,
    ]);
  }

  #died(job: Job, reason: string): void {
    if (!this.#outstanding.has(job.seq) || this.#abort.signal.aborted) return;
    this.#finish(job, "died"); // the pool already discarded the worker
    this.#stats.failures++;
    this.#o.log.warn("worker died", { reason });
    this.#send([...job.envelope, DynamicStatus.FAILED, reason]);
  }

  #pump(): void {
    while (
      this.#active < this.#o.maxWorkers &&
      this.#queueHead < this.#queue.length &&
      !this.#abort.signal.aborted
    ) {
      const job = this.#queue[this.#queueHead];
      this.#queue[this.#queueHead++] = undefined as unknown as Job;
      if (this.#queueHead > 1024 && this.#queueHead * 2 > this.#queue.length) {
        this.#queue.splice(0, this.#queueHead);
        this.#queueHead = 0;
      }
      this.#start(job.envelope, job.body);
    }
  }

  /**
   * Stops accepting requests, aborts running tasks, terminates Web Workers
   * and child processes, and closes both sockets. Idempotent.
   *
   * @example
   * ```ts ignore
   * await server.close();
   * ```
   */
  async close(): Promise<void> {
    if (!this.#abort.signal.aborted) {
      this.#abort.abort(new ClosedError("Server closed"));
      for (const job of this.#outstanding.values()) clearTimeout(job.timer);
      this.#outstanding.clear();
      this.#router.close();
      this.#back.close();
      this.#taskOut?.close();
      this.#queue.length = 0;
      this.#queueHead = 0;
    }
    await Promise.all([
      this.#loops.catch(() => {}),
      this.#pool?.close(),
      Promise.allSettled([...this.#running]),
    ]);
  }

  /** Closes the server (`await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
