/**
 * The decisions of `DynamicWorkerServer` without sockets, workers or
 * platform timers: admission (run, queue or refuse), job ids, one deadline
 * per job on one timer (the kit's `Deadlines`), and which backend message
 * answers which job, exactly once. Driven by requests, backend messages,
 * worker deaths and the injected clock; the shell (dynamic_worker_server.ts)
 * runs the jobs and owns the sockets. Private.
 *
 * Slots: a job holds one of `maxWorkers` slots from its start until the
 * shell calls {@linkcode DynamicCore.freed}: for a Web Worker or a child
 * process when the job ends (the worker is released or killed), for an
 * in-process task when it settles, even after a `"504"` (a task cannot be
 * killed), so the bound on concurrent work stays true.
 *
 * @module
 */
import type { Clock } from "../../_util/clock.ts";
import type { Frame, Message } from "../../types.ts";
import { type Deadline, Deadlines } from "../_kit/deadlines.ts";
import { JobIds, sameFrame } from "./_jobs.ts";
import { DynamicStatus } from "./reply.ts";
import type { DynamicWorkerServerEvent } from "./events.ts";

/** One request and, once started, its job. */
export interface Job {
  /** Sequence number (0 while queued). */
  seq: number;
  /** The job-id frame (empty while queued). */
  id: Uint8Array;
  /** The client's envelope, delimiter included. */
  readonly envelope: Uint8Array[];
  /** The request body. */
  readonly body: Uint8Array[];
  /** Its deadline, while outstanding. */
  deadline?: Deadline<Job>;
  /** The shell's handle on whatever runs it. */
  run?: unknown;
  /** The received message, to release once handed over (large ones). */
  source?: Message;
}

/** How a job ended. */
export type JobEnd = "reply" | "timeout" | "died";

/** What the core asks of its shell. */
export interface DynamicPort {
  /** Hands a started job to a worker. */
  start(job: Job): void;
  /** The job is no longer outstanding (release, kill or abort its worker). */
  end(job: Job, how: JobEnd): void;
  /**
   * Sends a reply to a client (`[...envelope][status][...]`); `source` is
   * the received message the frames are views of, to release once sent.
   */
  send(frames: Frame[], source?: Message): void;
  /** Reports an event (after the counters it reflects changed). */
  emit(e: DynamicWorkerServerEvent): void;
  /** Logs a problem a peer caused (rate-limited by the shell). */
  warn(key: string, message: string, fields: Record<string, unknown>): void;
}

/** Limits of a dynamic server. */
export interface DynamicPolicy {
  /** Jobs running at once. */
  readonly maxWorkers: number;
  /** Requests waiting beyond them. */
  readonly maxQueued: number;
  /** Time a job may take, ms (`Infinity`: no limit). */
  readonly jobTimeoutMs: number;
}

/** Counters of the core (the shell adds the live counts). */
export interface DynamicCounters {
  requests: number;
  replies: number;
  failures: number;
  timeouts: number;
  rejected: number;
  invalid: number;
  oversize: number;
  droppedReplies: number;
  staleReplies: number;
  invalidReplies: number;
}

/** The dynamic server's decisions. */
export class DynamicCore {
  /** Counters. */
  readonly counts: DynamicCounters = {
    requests: 0,
    replies: 0,
    failures: 0,
    timeouts: 0,
    rejected: 0,
    invalid: 0,
    oversize: 0,
    droppedReplies: 0,
    staleReplies: 0,
    invalidReplies: 0,
  };
  readonly #p: DynamicPolicy;
  readonly #clock: Clock;
  readonly #port: DynamicPort;
  readonly #ids = new JobIds();
  readonly #outstanding = new Map<number, Job>();
  readonly #deadlines: Deadlines<Job>;
  readonly #queue: Job[] = [];
  #head = 0;
  #active = 0;
  #closed = false;

  /**
   * @param policy Bounds and the job timeout.
   * @param clock The time source of the job deadlines.
   * @param port The shell.
   */
  constructor(policy: DynamicPolicy, clock: Clock, port: DynamicPort) {
    this.#p = policy;
    this.#clock = clock;
    this.#port = port;
    this.#deadlines = new Deadlines(clock, (job) => this.#timedOut(job));
  }

  /** Jobs holding a slot. */
  get active(): number {
    return this.#active;
  }

  /** Requests waiting for a slot. */
  get queued(): number {
    return this.#queue.length - this.#head;
  }

  /** Jobs waiting for their answer. */
  get outstanding(): number {
    return this.#outstanding.size;
  }

  /**
   * A client's request: run it, queue it, or refuse it with `"503"`.
   * @param envelope The client's envelope, delimiter included.
   * @param body The request body.
   * @param source The received message, released once the job is handed
   * over (large requests to Web Workers and processes).
   * @returns What became of it.
   */
  request(
    envelope: Uint8Array[],
    body: Uint8Array[],
    source?: Message,
  ): "started" | "queued" | "refused" {
    if (this.#closed) return "refused";
    const job: Job = { seq: 0, id: EMPTY, envelope, body, source };
    if (this.#active < this.#p.maxWorkers) {
      this.counts.requests++;
      this.#start(job);
      return "started";
    } else if (this.queued < this.#p.maxQueued) {
      this.counts.requests++;
      this.#queue.push(job);
      return "queued";
    } else {
      this.counts.rejected++;
      const reason =
        `server busy: ${this.#p.maxWorkers} workers running and ${this.#p.maxQueued} requests queued`;
      this.#port.emit({ type: "request:refused", reason });
      this.#port.send([...envelope, DynamicStatus.BUSY, reason]);
      return "refused";
    }
  }

  #start(job: Job): void {
    this.#active++;
    const { seq, id } = this.#ids.next(this.#outstanding);
    job.seq = seq;
    job.id = id;
    this.#outstanding.set(seq, job);
    if (this.#p.jobTimeoutMs !== Infinity) {
      job.deadline = this.#deadlines.add(
        this.#clock.now() + this.#p.jobTimeoutMs,
        job,
      );
    }
    this.#port.emit({ type: "job:started", job: seq });
    this.#port.start(job);
  }

  /**
   * A message from the backend: `[job][...envelope][status][...reply]`.
   * Forwards it (without the job frame) if it answers an outstanding job
   * from that job's client; drops and counts it otherwise.
   * @param m The message.
   * @returns Whether it was forwarded.
   */
  backend(m: Message): boolean {
    const seq = this.#ids.parse(m[0]);
    if (seq === undefined || m.length < 3) {
      this.counts.invalidReplies++;
      this.#port.warn("backend:invalid", "malformed backend message dropped", {
        frames: m.length,
      });
      this.#port.emit({
        type: "message:invalid",
        socket: "backend",
        reason: "expected [job id][client envelope][status][reply…]",
      });
      return false;
    }
    const job = this.#outstanding.get(seq);
    if (job === undefined) {
      this.counts.staleReplies++;
      this.#port.emit({ type: "reply:stale", job: seq });
      return false;
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
      this.counts.invalidReplies++;
      this.#port.warn(
        "backend:mismatch",
        "backend message does not match its job, dropped",
        { job: seq },
      );
      this.#port.emit({
        type: "message:invalid",
        socket: "backend",
        reason: "does not match its job's client or status",
      });
      return false;
    }
    this.#finish(job, "reply");
    if (status === DynamicStatus.OK) this.counts.replies++;
    else {
      this.counts.failures++;
      const error = m.length > env.length + 2 ? m[env.length + 2] : EMPTY;
      this.#port.warn("job:failed", "worker reported a failure", {
        job: seq,
        error: new TextDecoder().decode(error.subarray(0, 200)),
      });
    }
    this.#port.emit({
      type: "job:answered",
      job: seq,
      status: status as "200" | "500",
    });
    this.#port.send(m.slice(1), m);
    return true;
  }

  /**
   * A job's worker died (crashed, killed, could not start).
   * @param job The job.
   * @param reason What happened.
   */
  died(job: Job, reason: string): void {
    if (this.#outstanding.get(job.seq) !== job || this.#closed) return;
    this.#finish(job, "died");
    this.counts.failures++;
    this.#port.warn("worker:died", "worker died", { reason });
    this.#port.emit({ type: "job:failed", job: job.seq, reason });
    this.#port.send([...job.envelope, DynamicStatus.FAILED, reason]);
  }

  #timedOut(job: Job): void {
    if (this.#outstanding.get(job.seq) !== job || this.#closed) return;
    job.deadline = undefined;
    this.#finish(job, "timeout");
    this.counts.timeouts++;
    this.#port.emit({ type: "job:timeout", job: job.seq });
    this.#port.send([
      ...job.envelope,
      DynamicStatus.TIMEOUT,
      `worker exceeded ${this.#p.jobTimeoutMs} ms`,
    ]);
  }

  #finish(job: Job, how: JobEnd): void {
    this.#outstanding.delete(job.seq);
    this.#deadlines.remove(job.deadline);
    job.deadline = undefined;
    this.#port.end(job, how);
  }

  /** A job gave its slot back: start the next queued request, if any. */
  freed(): void {
    this.#active--;
    while (
      !this.#closed && this.#active < this.#p.maxWorkers &&
      this.#head < this.#queue.length
    ) {
      const job = this.#queue[this.#head];
      this.#queue[this.#head++] = undefined as unknown as Job;
      if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
        this.#queue.splice(0, this.#head);
        this.#head = 0;
      }
      this.#start(job);
    }
  }

  /** Stops: no deadline falls due, nothing more starts or answers. */
  close(): void {
    this.#closed = true;
    this.#deadlines.close();
    this.#outstanding.clear();
    this.#queue.length = 0;
    this.#head = 0;
  }
}

const EMPTY = new Uint8Array(0);
