/**
 * Private: how a `DynamicWorkerServer` runs a job: as an in-process task
 * replying on the server's shared inproc DEALER, or on a Web Worker or
 * child process from the pool, which replies on its own DEALER. Decides
 * nothing; the core says when a job starts and ends.
 * @module
 */
import { ClosedError } from "../../errors.ts";
import type { Logger } from "../../_util/logger.ts";
import type { Frame } from "../../types.ts";
import type { DealerSocket } from "../../transport/mod.ts";
import { releaseMessage } from "../_kit/limits.ts";
import { type JobMessage, runDynamicTask } from "./web_worker.ts";
import {
  type Lease,
  processSpawner,
  webWorkerSpawner,
  WorkerPool,
} from "./_web_worker_pool.ts";
import type { Job, JobEnd } from "./_core.ts";
import type { ParsedOptions } from "./_options.ts";

/** What the runner reports back (to the core). */
export interface RunnerEvents {
  /** A job gave its slot back. */
  freed(): void;
  /** A job's worker died. */
  died(job: Job, reason: string): void;
}

/** Runs jobs on tasks or pooled workers. */
export class JobRunner {
  readonly #o: ParsedOptions;
  readonly #workerEp: string;
  readonly #taskOut?: DealerSocket;
  readonly #pool?: WorkerPool;
  readonly #stop: AbortSignal;
  readonly #log: Logger;
  readonly #running = new Set<Promise<void>>();
  /** Set by the server once its core exists. */
  events!: RunnerEvents;

  /**
   * @param o The server's options.
   * @param workerEp Where workers reply (tasks: the inproc endpoint).
   * @param taskOut Tasks' shared DEALER (task kind only).
   * @param stop Aborts when the server closes.
   */
  constructor(
    o: ParsedOptions,
    workerEp: string,
    taskOut: DealerSocket | undefined,
    stop: AbortSignal,
  ) {
    this.#o = o;
    this.#workerEp = workerEp;
    this.#taskOut = taskOut;
    this.#stop = stop;
    this.#log = o.log;
    if (o.url) {
      this.#pool = new WorkerPool(
        o.kind === "process"
          ? processSpawner(o.url, o.denoFlags)
          : webWorkerSpawner(o.url),
        o.reuse,
      );
    }
  }

  /** Web Workers or child processes alive (running or idle). */
  get poolSize(): number {
    return this.#pool?.size ?? 0;
  }

  /** Hands a started job to a task or a pooled worker. */
  start(job: Job): void {
    const msg: JobMessage = {
      backend: this.#workerEp,
      ...(this.#o.backendSecurity && !this.#o.task
        ? { curve: this.#o.backendSecurity.client }
        : {}),
      job: job.id,
      envelope: job.envelope,
      frames: job.body,
    };
    const task = this.#o.task;
    if (task) {
      // The task's slot is freed when it settles, even after a "504", so
      // the bound on concurrent workers stays true.
      const ac = new AbortController();
      job.run = ac;
      const stop = this.#stop;
      const onClose = () => ac.abort(stop.reason);
      stop.addEventListener("abort", onClose, { once: true });
      const p = runDynamicTask(task, msg, ac.signal)
        .then((out) => this.#taskReply(out))
        .finally(() => {
          stop.removeEventListener("abort", onClose);
          this.#running.delete(p);
          if (!stop.aborted) this.events.freed();
        });
      this.#running.add(p);
      return;
    }
    job.run = this.#pool!.start(msg, (reason) => this.events.died(job, reason));
    if (job.source) {
      releaseMessage(job.source); // posted (copied) to the worker
      job.source = undefined;
    }
  }

  /** A job left the outstanding set: give its worker back or end it. */
  end(job: Job, how: JobEnd): void {
    if (this.#o.task) {
      if (how === "timeout") {
        (job.run as AbortController).abort(new Error("job timed out"));
      }
      return; // the slot is freed when the task settles
    }
    const lease = job.run as Lease | undefined;
    job.run = undefined;
    if (how === "reply") lease?.release();
    else lease?.kill();
    if (!this.#stop.aborted) this.events.freed();
  }

  async #taskReply(out: Frame[]): Promise<void> {
    if (this.#stop.aborted) return;
    try {
      if (!this.#taskOut!.trySend(out)) await this.#taskOut!.send(out);
    } catch (e) {
      if (!(e instanceof ClosedError)) {
        this.#log.error("task reply failed", { error: String(e) });
      }
    }
  }

  /** Waits for running tasks; ends every pooled worker. */
  async close(): Promise<void> {
    await Promise.all([
      this.#pool?.close(),
      Promise.allSettled([...this.#running]),
    ]);
  }
}
