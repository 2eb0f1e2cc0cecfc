/**
 * A server that starts a worker per request (the NetMQ "dynamic worker per
 * task" design): a ROUTER frontend for clients and a DEALER backend that
 * every worker replies to.
 * @module
 */
import {
  openServerSecurity,
  type SecurityStats,
  type ServerSecurityHandle,
} from "../../security/settings.ts";
import { ClosedError, HostUnreachableError } from "../../errors.ts";
import { RateLimitedLog } from "../../_util/rate_limit.ts";
import type { Frame, Message } from "../../types.ts";
import { DealerSocket, RouterSocket } from "../../transport/mod.ts";
import { splitEnvelope } from "../../protocol/ppp/codec.ts";
import { EventHub } from "../_kit/events.ts";
import {
  capSocketOptions,
  messageBytes,
  overLimits,
  RELEASE_BYTES,
  releaseMessage,
} from "../_kit/limits.ts";
import { JobRunner } from "./_runner.ts";
import type {
  DynamicWorkerServerOptions,
  DynamicWorkerServerStats,
} from "./options.ts";
import type { DynamicWorkerServerEvent } from "./events.ts";
import { type ParsedOptions, parseOptions } from "./_options.ts";
import { workerEndpoint } from "./_jobs.ts";
import { DynamicCore, type DynamicPort } from "./_core.ts";

/**
 * A server that starts a worker for each request (the NetMQ "dynamic worker
 * per task" design). Clients talk to a ROUTER frontend; each request is
 * handed, with its client envelope and a job id, to a new worker: an
 * in-process async task, a Deno Web Worker or a child process, chosen by
 * the one `worker` option. The worker sends its reply on a DEALER
 * connected to the server's DEALER backend as
 * `[job id][...client envelope][status][...reply]`; the server reads the
 * backend, drops the job-id frame and forwards the rest unchanged to the
 * frontend, which routes it to the client that asked. Tasks share one
 * DEALER connected over `inproc://`; every Web Worker or child process
 * opens its own, over TCP or IPC.
 *
 * Each job is answered once: a backend message whose job is no longer
 * outstanding (answered, timed out, failed) is dropped and counted. At most
 * `maxWorkers` run at once; up to `maxQueued` requests wait beyond that,
 * and further ones are refused at once. Every reply starts with a
 * {@linkcode DynamicStatus} frame: a failing, crashed or killed worker
 * produces an error reply, never silence. Malformed and oversized messages
 * are dropped, counted and logged at most a few times per interval.
 *
 * @example An in-process task per request
 * ```ts
 * import { DynamicWorkerServer, parseDynamicReply, ReqSocket } from "@reliable/zmq";
 * const server = await DynamicWorkerServer.bind("tcp://127.0.0.1:*", "tcp://127.0.0.1:*", {
 *   worker: async (req) => ["hello", ...req],
 * });
 * const client = new ReqSocket();
 * client.connect(server.frontendEndpoint);
 * await client.send(["from client"]);
 * console.log(parseDynamicReply(await client.receive()).ok); // true
 * client.close();
 * await server.close();
 * ```
 */
export class DynamicWorkerServer implements AsyncDisposable {
  /** The endpoint the ROUTER frontend is bound to (port resolved). */
  readonly frontendEndpoint: string;
  /** The endpoint the DEALER backend is bound to (port resolved). */
  readonly backendEndpoint: string;
  /** `"task"`, `"web-worker"` or `"process"`. */
  readonly kind: "task" | "web-worker" | "process";
  /** Resolved: the server is bound when `bind()` resolves. */
  readonly ready: Promise<void> = Promise.resolve();
  readonly #o: ParsedOptions;
  readonly #router: RouterSocket;
  readonly #back: DealerSocket;
  readonly #taskOut?: DealerSocket;
  readonly #runner: JobRunner;
  readonly #abort = new AbortController();
  readonly #core: DynamicCore;
  readonly #events: EventHub<DynamicWorkerServerEvent>;
  readonly #bad: RateLimitedLog;
  readonly #security: ServerSecurityHandle | undefined;
  readonly #backSecurity: ServerSecurityHandle | undefined;
  #loops: Promise<unknown> = Promise.resolve();

  private constructor(o: ParsedOptions) {
    this.#o = o;
    this.kind = o.kind;
    this.#events = new EventHub(o.log, o.onEvent);
    this.#bad = new RateLimitedLog(o.log, o.clock);
    const cap = capSocketOptions(o.limits);
    const sec = o.security
      ? openServerSecurity(o.security, o.log, o.clock)
      : undefined;
    this.#security = sec;
    try {
      this.#router = new RouterSocket({
        ...o.socketOptions,
        ...cap,
        ...sec?.options,
        routerMandatory: true,
      });
    } catch (e) {
      sec?.registration.release();
      throw e;
    }
    const backSec = o.backendSecurity
      ? openServerSecurity(o.backendSecurity.plan, o.log, o.clock)
      : undefined;
    this.#backSecurity = backSec;
    try {
      this.#back = new DealerSocket({
        ...o.socketOptions,
        ...cap,
        ...backSec?.options,
        receiveHighWaterMark: 0,
      });
    } catch (e) {
      this.#router.close();
      sec?.registration.release();
      backSec?.registration.release();
      throw e;
    }
    let workerEp: string;
    try {
      // Bind order matters to the caller's cleanup: frontend, then backend.
      this.frontendEndpoint = this.#router.bind(o.frontend);
      this.backendEndpoint = this.#back.bind(o.backend);
      workerEp = workerEndpoint(this.backendEndpoint);
      if (o.task) {
        // Tasks reply on one shared DEALER, over an extra inproc endpoint.
        workerEp = this.#back.bind(
          `inproc://reliable-zmq-dynamic-${crypto.randomUUID()}`,
        );
        this.#taskOut = new DealerSocket({ sendHighWaterMark: 0 });
        this.#taskOut.connect(workerEp);
      }
    } catch (e) {
      this.#router.close();
      this.#back.close();
      this.#taskOut?.close();
      sec?.registration.release();
      backSec?.registration.release();
      throw e;
    }
    this.#runner = new JobRunner(
      o,
      workerEp,
      this.#taskOut,
      this.#abort.signal,
    );
    const core = new DynamicCore(o, o.clock, this.#port);
    this.#core = core;
    this.#runner.events = {
      freed: () => core.freed(),
      died: (job, reason) => core.died(job, reason),
    };
  }

  /**
   * Binds the ROUTER frontend and the DEALER backend and starts serving.
   *
   * @param frontend Where clients (REQ, or DEALER with a delimiter) connect,
   * e.g. `"tcp://*:5555"`.
   * @param backend Where workers reply, e.g. `"tcp://127.0.0.1:5556"`. Web
   * Workers and child processes connect to it, so it must be `tcp://` or
   * `ipc://` for them; in-process tasks use an extra `inproc://` endpoint of
   * the same socket. Anyone who can connect here can answer an outstanding
   * job whose id and client it knows: keep it on loopback or IPC.
   * @param options The worker (function, module URL or `{ process }`),
   * bounds, timeout, caps, socket options, events, logger, clock.
   * @returns The running server.
   * @throws {TypeError} On a malformed argument or option (e.g. `worker`
   * neither a function nor a URL, an `inproc://` backend for Web Workers,
   * an unknown option key).
   * @throws {RangeError} On an option out of range.
   * @throws {AddressInUseError} If an endpoint is taken.
   *
   * @example A Web Worker per request
   * ```ts
   * import { DynamicWorkerServer } from "@reliable/zmq";
   * const server = await DynamicWorkerServer.bind("tcp://127.0.0.1:*", "tcp://127.0.0.1:*", {
   *   // Any module that calls serveDynamicWorker(); started on the first request.
   *   worker: new URL("./upper_worker.ts", import.meta.url),
   *   maxWorkers: 4,
   * });
   * console.log(server.kind); // "web-worker"
   * await server.close();
   * ```
   */
  static bind(
    frontend: string,
    backend: string,
    options: DynamicWorkerServerOptions,
  ): Promise<DynamicWorkerServer> {
    try {
      const o = parseOptions(frontend, backend, options);
      const s = new DynamicWorkerServer(o);
      s.#loops = Promise.all(
        [s.#frontLoop(), s.#backLoop()].map((p) =>
          p.catch((e) => {
            if (!s.#abort.signal.aborted) {
              o.log.error("server loop failed", { error: String(e) });
            }
          })
        ),
      );
      o.log.info("dynamic worker server up", {
        frontend: s.frontendEndpoint,
        backend: s.backendEndpoint,
        kind: s.kind,
      });
      return Promise.resolve(s);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * The frontend's security: mechanism, public key and the ZAP handler's
   * admissions and refusals (`undefined` without `security`).
   */
  get securityStats(): SecurityStats | undefined {
    return this.#security?.stats();
  }

  /**
   * The backend's security (see the `secureBackend` option): CURVE with a
   * key pair made for this server, admitting only the key its workers are
   * given; `undefined` when the backend is open.
   * @example
   * ```ts
   * import { curveKeyPair, DynamicWorkerServer } from "@reliable/zmq";
   * const server = await DynamicWorkerServer.bind("tcp://127.0.0.1:*", "tcp://127.0.0.1:*", {
   *   worker: (req) => req,
   *   security: { curve: { secretKey: curveKeyPair().secretKey, allow: "any" } },
   * });
   * console.log(server.backendSecurityStats?.mechanism); // "CURVE"
   * await server.close();
   * ```
   */
  get backendSecurityStats(): SecurityStats | undefined {
    return this.#backSecurity?.stats();
  }

  /** Counters (a snapshot). */
  get stats(): DynamicWorkerServerStats {
    return {
      ...this.#core.counts,
      active: this.#core.active,
      queued: this.#core.queued,
      webWorkers: this.#runner.poolSize,
    };
  }

  /**
   * Adds an event listener (besides the `onEvent` option).
   *
   * @param listener Called with every event, synchronously.
   * @returns A function that removes it.
   * @example
   * ```ts
   * import { DynamicWorkerServer } from "@reliable/zmq";
   * const server = await DynamicWorkerServer.bind("tcp://127.0.0.1:*", "tcp://127.0.0.1:*", {
   *   worker: (req) => req,
   * });
   * const off = server.on((e) => console.log(e.type));
   * off();
   * await server.close();
   * ```
   */
  on(listener: (event: DynamicWorkerServerEvent) => void): () => void {
    return this.#events.on(listener);
  }

  #emit(e: DynamicWorkerServerEvent): void {
    if (this.#events.active) this.#events.emit(e);
  }

  /** What the core asks of this shell. */
  readonly #port: DynamicPort = {
    start: (job) => this.#runner.start(job),
    end: (job, how) => this.#runner.end(job, how),
    send: (frames, source) => this.#send(frames, source),
    emit: (e) => this.#emit(e),
    warn: (key, message, fields) => this.#bad.warn(key, message, fields),
  };

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
    const counts = this.#core.counts;
    const over = overLimits(m, this.#o.limits);
    if (over !== undefined) {
      const bytes = messageBytes(m);
      releaseMessage(m);
      counts.oversize++;
      this.#bad.warn(
        "frontend:oversize",
        "request over the size caps refused",
        {
          bytes,
          reason: over,
        },
      );
      this.#emit({
        type: "message:oversize",
        socket: "frontend",
        bytes,
        reason: over,
      });
      return;
    }
    const split = splitEnvelope(m);
    if (split === null) {
      counts.invalid++;
      const reason = 'expected [client id][""][body…]';
      this.#bad.warn("frontend:invalid", "malformed request dropped", {
        frames: m.length,
      });
      this.#emit({ type: "message:invalid", socket: "frontend", reason });
      return;
    }
    // A large request to a Web Worker or process is released once handed
    // over; its envelope, needed for the reply, is copied first.
    const own = this.kind !== "task" && messageBytes(m) >= RELEASE_BYTES;
    const envelope = own
      ? split.envelope.map((f) => f.slice())
      : split.envelope;
    const fate = this.#core.request(envelope, split.body, own ? m : undefined);
    if (own && fate === "refused") releaseMessage(m);
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

  #onBackend(m: Message): void {
    const over = overLimits(m, this.#o.limits);
    if (over !== undefined) {
      // The job it answers (if any) waits on, and times out.
      const bytes = messageBytes(m);
      releaseMessage(m);
      this.#core.counts.oversize++;
      this.#bad.warn("backend:oversize", "reply over the size caps refused", {
        bytes,
        reason: over,
      });
      this.#emit({
        type: "message:oversize",
        socket: "backend",
        bytes,
        reason: over,
      });
      return;
    }
    if (!this.#core.backend(m)) releaseMessage(m);
  }

  #send(out: Frame[], source?: Message): void {
    try {
      if (this.#router.trySend(out)) {
        if (source) releaseMessage(source);
        return;
      }
      this.#router.send(out).then(
        () => source && releaseMessage(source),
        (e) => this.#sendFailed(e),
      );
    } catch (e) {
      this.#sendFailed(e);
    }
  }

  #sendFailed(e: unknown): void {
    if (e instanceof HostUnreachableError) {
      this.#core.counts.droppedReplies++;
      this.#emit({ type: "reply:dropped", reason: "client gone" });
    } else if (!(e instanceof ClosedError)) {
      this.#o.log.error("reply failed", { error: String(e) });
    }
  }

  /**
   * Stops accepting requests, aborts running tasks, terminates Web Workers
   * and child processes, and closes both sockets. Idempotent.
   *
   * @returns Resolves once the loops, tasks and worker processes have ended.
   * @example
   * ```ts
   * import { DynamicWorkerServer } from "@reliable/zmq";
   * const server = await DynamicWorkerServer.bind("tcp://127.0.0.1:*", "tcp://127.0.0.1:*", {
   *   worker: (req) => req,
   * });
   * await server.close();
   * ```
   */
  async close(): Promise<void> {
    if (!this.#abort.signal.aborted) {
      this.#abort.abort(new ClosedError("Server closed"));
      this.#core.close();
      this.#router.close();
      this.#back.close();
      this.#taskOut?.close();
      this.#security?.registration.release();
      this.#backSecurity?.registration.release();
      this.#bad.flush();
    }
    await Promise.all([this.#loops, this.#runner.close()]);
  }

  /** Closes the server (`await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
