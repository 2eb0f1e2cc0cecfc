/**
 * The worker side of {@linkcode DynamicWorkerServer}: a worker module (run as
 * a Deno Web Worker or as a child process) calls
 * {@linkcode serveDynamicWorker} with its task. Jobs arrive from the server
 * (by `postMessage`, or as JSON lines on stdin for a child process); every
 * reply leaves on this worker's own DEALER, connected to the server's backend.
 * @module
 */
import type { Frame, Message } from "../../types.ts";
import { DealerSocket, shutdown } from "../../transport/mod.ts";

/**
 * A job: gets the request body and returns the reply body; may be async.
 * Throwing makes the worker send an error reply (status `"500"`).
 *
 * `context.job` and `context.envelope` are the frames the reply is sent
 * behind on the backend (`[job][...envelope][status][...reply]`); a task
 * needs them only to hand the job to some other sender.
 *
 * @example
 * ```ts
 * import type { DynamicTask } from "@reliable/zmq";
 * const upper: DynamicTask = (req) => [new TextDecoder().decode(req[0]).toUpperCase()];
 * ```
 */
export type DynamicTask = (
  request: Message,
  context: {
    readonly signal: AbortSignal;
    readonly job: Uint8Array;
    readonly envelope: readonly Uint8Array[];
  },
) => readonly Frame[] | Promise<readonly Frame[]>;

/** The CURVE keys a worker's DEALER uses on a secure backend. @internal */
export interface CurveClientKeys {
  /** The backend's public key. */
  readonly serverKey: string;
  /** The worker's public key (the one the backend admits). */
  readonly publicKey: string;
  /** The worker's secret key. */
  readonly secretKey: string;
}

/** Server → worker: one job. @internal */
export interface JobMessage {
  /** Where the worker's DEALER connects (tcp:// or ipc://). */
  readonly backend: string;
  /** The keys to connect with, when the backend is secure. */
  readonly curve?: CurveClientKeys;
  /** The job-id frame. */
  readonly job: Uint8Array;
  /** The client's envelope, delimiter included. */
  readonly envelope: Uint8Array[];
  /** The request body. */
  readonly frames: Uint8Array[];
}

/** Environment variable that makes {@linkcode serveDynamicWorker} read jobs from stdin. @internal */
export const PROCESS_ENV = "RELIABLE_ZMQ_DYNAMIC_WORKER";

/** A job as one JSON line on a child process's stdin. @internal */
export function encodeJobLine(m: JobMessage): string {
  return JSON.stringify({
    backend: m.backend,
    ...(m.curve ? { curve: m.curve } : {}),
    job: m.job.toBase64(),
    envelope: m.envelope.map((f) => f.toBase64()),
    frames: m.frames.map((f) => f.toBase64()),
  }) + "\n";
}

function decodeJobLine(line: string): JobMessage {
  const o = JSON.parse(line);
  return {
    backend: o.backend,
    ...(o.curve ? { curve: o.curve } : {}),
    job: Uint8Array.fromBase64(o.job),
    envelope: o.envelope.map((s: string) => Uint8Array.fromBase64(s)),
    frames: o.frames.map((s: string) => Uint8Array.fromBase64(s)),
  };
}

/** The reply statuses a worker sends (see `DynamicStatus`). @internal */
export const OK = "200", FAILED = "500";

/** Error text of a thrown value. @internal */
export function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/**
 * Runs `task` for one job and returns the backend message to send:
 * `[job][...envelope]["200"][...reply]`, or `["500"][error]` behind the
 * same prefix when the task throws or returns no frames. @internal
 */
export async function runDynamicTask(
  task: DynamicTask,
  m: JobMessage,
  signal: AbortSignal,
): Promise<Frame[]> {
  try {
    const reply = await task(m.frames, {
      signal,
      job: m.job,
      envelope: m.envelope,
    });
    if (!Array.isArray(reply) || reply.length === 0) {
      throw new TypeError("task must return a non-empty array of frames");
    }
    for (const f of reply) {
      if (typeof f !== "string" && !(f instanceof Uint8Array)) {
        throw new TypeError("task reply frames must be strings or Uint8Array");
      }
    }
    return [m.job, ...m.envelope, OK, ...reply];
  } catch (err) {
    return [m.job, ...m.envelope, FAILED, errorText(err)];
  }
}

/** Web Worker → server: it has closed its socket and is exiting. @internal */
export type WorkerReport = { crashed: string } | { closed: true };

interface WorkerScope {
  onmessage: ((e: MessageEvent<JobMessage>) => void) | null;
  postMessage(message: unknown): void;
}

function inWebWorker(): boolean {
  const scope = globalThis as unknown as WorkerScope;
  return typeof scope.postMessage === "function" && "onmessage" in scope;
}

function inChildProcess(): boolean {
  try {
    return Deno.env.get(PROCESS_ENV) === "1";
  } catch {
    return false; // no --allow-env: not started by the server
  }
}

/**
 * Serves jobs inside a worker started by a {@linkcode DynamicWorkerServer}:
 * a Deno Web Worker (`worker: new URL(module)`) or a child process
 * (`worker: { process: new URL(module) }`). For each job the task runs and
 * its reply, or its error as status `"500"`, is sent on this worker's own
 * DEALER, connected (once, on the first job) to the server's backend over
 * TCP or IPC, as `[job][...client envelope][status][...reply]`; the server
 * forwards it to the client. A worker that dies mid-job gets a `"500"` from
 * the server instead.
 *
 * @param task The job to run for each request.
 * @throws {TypeError} If `task` is not a function, or when not called
 * inside a Web Worker or a child process started by the server.
 *
 * @example A worker module (`upper_worker.ts`), usable as both kinds
 *
 * (Not run as a doc test: it must run inside a Web Worker or a child
 * process that a `DynamicWorkerServer` started, and throws elsewhere.)
 *
 * ```ts ignore
 * import { serveDynamicWorker } from "@reliable/zmq";
 * serveDynamicWorker((req) => [new TextDecoder().decode(req[0]).toUpperCase()]);
 * ```
 */
export function serveDynamicWorker(task: DynamicTask): void {
  if (typeof task !== "function") {
    throw new TypeError("serveDynamicWorker(): task must be a function");
  }
  const web = inWebWorker();
  if (!web && !inChildProcess()) {
    throw new TypeError(
      "serveDynamicWorker(): must run inside a Web Worker or a child process started by DynamicWorkerServer",
    );
  }
  const signal = new AbortController().signal;
  let dealer: DealerSocket | undefined;
  const run = async (m: JobMessage) => {
    if (!dealer) {
      dealer = new DealerSocket({
        lingerMs: 1000,
        ...(m.curve
          ? {
            curveServerKey: m.curve.serverKey,
            curvePublicKey: m.curve.publicKey,
            curveSecretKey: m.curve.secretKey,
          }
          : {}),
      });
      dealer.connect(m.backend);
    }
    const out = await runDynamicTask(task, m, signal);
    if (!dealer.trySend(out)) await dealer.send(out);
  };
  if (web) {
    // A terminated Web Worker would leave its libzmq context (I/O threads,
    // descriptors, the TCP connection) behind in the process, so the worker
    // closes its socket and context itself: when asked to, and when it
    // crashes (the crash is reported by message instead of propagating).
    const scope = globalThis as unknown as WorkerScope & {
      close(): void;
      addEventListener(
        type: string,
        listener: (e: Event & { error?: unknown; reason?: unknown }) => void,
      ): void;
    };
    let ending = false;
    const end = (report: WorkerReport) => {
      if (ending) return;
      ending = true;
      dealer?.close();
      void shutdown().catch(() => {}).finally(() => {
        scope.postMessage(report);
        scope.close();
      });
    };
    scope.addEventListener("error", (e) => {
      e.preventDefault();
      end({ crashed: `worker crashed: Uncaught ${errorText(e.error)}` });
    });
    scope.addEventListener("unhandledrejection", (e) => {
      e.preventDefault();
      end({
        crashed: `worker crashed: Uncaught (in promise) ${errorText(e.reason)}`,
      });
    });
    scope.onmessage = (e) => {
      if ((e.data as { close?: boolean }).close) end({ closed: true });
      else if (!ending) void run(e.data);
    };
    return;
  }
  void (async () => {
    const td = new TextDecoder();
    let buf = "";
    for await (const chunk of Deno.stdin.readable) {
      buf += td.decode(chunk, { stream: true });
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line) void run(decodeJobLine(line));
      }
    }
    // stdin closed: the server is gone or closing.
    dealer?.close();
    Deno.exit(0);
  })();
}
