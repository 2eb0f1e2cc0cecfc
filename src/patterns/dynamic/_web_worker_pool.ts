/**
 * Private: the Deno Web Workers or child processes behind a
 * {@linkcode DynamicWorkerServer}, one job at a time each, started on
 * demand, optionally reused. Jobs go in by `postMessage` or stdin; replies
 * come back over the server's backend socket, never through the pool.
 * @module
 */
import {
  encodeJobLine,
  type JobMessage,
  PROCESS_ENV,
  type WorkerReport,
} from "./web_worker.ts";

/** One running worker, as the pool drives it. @internal */
export interface WorkerHandle {
  /** Hands a job over. */
  post(m: JobMessage): void;
  /** Ends it (no death report follows). */
  kill(): void;
  /** Settles when it is gone. */
  readonly exited?: Promise<unknown>;
}

/** Starts a worker; it calls `died` if it dies by itself. @internal */
export type Spawner = (died: (reason: string) => void) => WorkerHandle;

/** A worker lent to one job. @internal */
export interface Lease {
  /** The job is answered: the worker goes back to the pool (or away). */
  release(): void;
  /** The job timed out: terminate the worker. */
  kill(): void;
}

interface Slot {
  handle: WorkerHandle;
  alive: boolean;
  onDied?: (reason: string) => void;
}

/** Runs jobs on Web Workers or child processes. @internal */
export class WorkerPool {
  readonly #spawn: Spawner;
  readonly #reuse: boolean;
  readonly #idle: Slot[] = [];
  readonly #slots = new Set<Slot>();
  readonly #exits = new Set<Promise<unknown>>();
  #closed = false;

  constructor(spawn: Spawner, reuse: boolean) {
    this.#spawn = spawn;
    this.#reuse = reuse;
  }

  /** Workers alive (running or idle). */
  get size(): number {
    return this.#slots.size;
  }

  #new(): Slot {
    const slot: Slot = {
      handle: undefined as unknown as WorkerHandle,
      alive: true,
    };
    slot.handle = this.#spawn((reason) => {
      if (!slot.alive) return;
      const report = slot.onDied;
      this.#discard(slot);
      report?.(reason);
    });
    this.#slots.add(slot);
    return slot;
  }

  #discard(slot: Slot): void {
    slot.onDied = undefined;
    if (!slot.alive) return;
    slot.alive = false;
    this.#slots.delete(slot);
    const i = this.#idle.indexOf(slot);
    if (i >= 0) this.#idle.splice(i, 1);
    slot.handle.kill();
    const exited = slot.handle.exited;
    if (exited) {
      const p = exited.catch(() => {}).finally(() => this.#exits.delete(p));
      this.#exits.add(p);
    }
  }

  /**
   * Hands a job to an idle worker, or a new one.
   * @param m The job.
   * @param onDied Called if the worker dies before the lease ends.
   */
  start(m: JobMessage, onDied: (reason: string) => void): Lease {
    let slot: Slot;
    try {
      slot = (this.#reuse ? this.#idle.pop() : undefined) ?? this.#new();
    } catch (e) {
      queueMicrotask(() => onDied(`worker failed to start: ${String(e)}`));
      return { release() {}, kill() {} };
    }
    slot.onDied = onDied;
    try {
      slot.handle.post(m);
    } catch (e) {
      this.#discard(slot);
      queueMicrotask(() =>
        onDied(`job could not be handed over: ${String(e)}`)
      );
    }
    return {
      release: () => {
        if (!slot.alive) return;
        slot.onDied = undefined;
        if (this.#reuse && !this.#closed) this.#idle.push(slot);
        else this.#discard(slot);
      },
      kill: () => this.#discard(slot),
    };
  }

  /** Terminates every worker (no death reports) and waits for processes to exit. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const slot of [...this.#slots]) this.#discard(slot);
    await Promise.allSettled([...this.#exits]);
  }
}

/**
 * Starts a module as a Deno Web Worker. Ending one asks it to close its
 * socket and libzmq context first (terminated anyway after
 * `closeGraceMs`): terminating it outright would leak them. @internal
 */
export function webWorkerSpawner(url: URL, closeGraceMs = 1000): Spawner {
  return (died) => {
    const worker = new Worker(url, { type: "module" });
    let onGone!: () => void;
    const exited = new Promise<void>((r) => onGone = r);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const gone = () => {
      clearTimeout(timer);
      worker.terminate();
      onGone();
    };
    worker.onmessage = (e: MessageEvent<WorkerReport>) => {
      const r = e.data;
      if (r && "crashed" in r) died(r.crashed);
      if (r && ("crashed" in r || "closed" in r)) gone();
    };
    worker.onerror = (e: ErrorEvent) => {
      // A module that failed to load, or an error the worker did not catch.
      e.preventDefault(); // handled: the job gets an error reply
      died(`worker crashed: ${e.message}`);
      gone();
    };
    worker.onmessageerror = () => died("worker could not read its job");
    let ending = false;
    return {
      post: (m) => worker.postMessage(m),
      kill: () => {
        if (ending) return;
        ending = true;
        try {
          worker.postMessage({ close: true });
        } catch {
          // already gone
        }
        timer = setTimeout(gone, closeGraceMs);
      },
      exited,
    };
  };
}

/** Starts a module with `deno run <flags>` as a child process. @internal */
export function processSpawner(url: URL, denoFlags: string[]): Spawner {
  const te = new TextEncoder();
  return (died) => {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", ...denoFlags, url.href],
      stdin: "piped",
      stdout: "inherit",
      stderr: "inherit",
      env: { [PROCESS_ENV]: "1" },
    }).spawn();
    const writer = child.stdin.getWriter();
    let killed = false;
    const exited = child.status.then((s) => {
      if (!killed) {
        died(
          `worker process ${child.pid} exited (code ${s.code}${
            s.signal ? `, ${s.signal}` : ""
          })`,
        );
      }
    });
    return {
      post: (m) => {
        writer.write(te.encode(encodeJobLine(m))).catch((e) =>
          died(`job could not be written to worker process: ${String(e)}`)
        );
      },
      kill: () => {
        if (killed) return;
        killed = true;
        writer.close().catch(() => {});
        try {
          child.kill("SIGKILL");
        } catch {
          // already gone
        }
      },
      exited,
    };
  };
}
