/**
 * Private: the Deno Web Workers behind a {@linkcode DynamicWorkerServer},
 * one job at a time each, started on demand, optionally reused.
 * @module
 */
import type { JobMessage, ResultMessage } from "./web_worker.ts";

interface Slot {
  worker: Worker;
  job?: { id: number; settle: (r: ResultMessage) => void };
}

/** Runs jobs on Web Workers made from one module URL. @internal */
export class WebWorkerPool {
  readonly #url: URL;
  readonly #reuse: boolean;
  readonly #timeoutMs: number;
  readonly #idle: Slot[] = [];
  readonly #slots = new Set<Slot>();
  #nextId = 1;
  #closed = false;

  constructor(url: URL, reuse: boolean, timeoutMs: number) {
    this.#url = url;
    this.#reuse = reuse;
    this.#timeoutMs = timeoutMs;
  }

  /** Web Workers alive (running or idle). */
  get size(): number {
    return this.#slots.size;
  }

  #spawn(): Slot {
    const worker = new Worker(this.#url, { type: "module" });
    const slot: Slot = { worker };
    worker.onmessage = (e: MessageEvent<ResultMessage>) => {
      const job = slot.job;
      if (job && e.data && e.data.id === job.id) job.settle(e.data);
    };
    const crash = (message: string) => {
      const job = slot.job;
      this.#discard(slot);
      job?.settle({ id: job.id, ok: false, error: message });
    };
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault(); // handled: the job gets an error reply
      crash(`worker crashed: ${e.message}`);
    };
    worker.onmessageerror = () => crash("worker sent an unreadable message");
    this.#slots.add(slot);
    return slot;
  }

  #discard(slot: Slot): void {
    slot.job = undefined;
    if (!this.#slots.delete(slot)) return;
    const i = this.#idle.indexOf(slot);
    if (i >= 0) this.#idle.splice(i, 1);
    slot.worker.terminate();
  }

  /**
   * Runs one job; a crashed or timed-out worker is terminated.
   * @returns The worker's result, or "timeout".
   */
  async run(frames: Uint8Array[]): Promise<ResultMessage | "timeout"> {
    const slot = (this.#reuse ? this.#idle.pop() : undefined) ?? this.#spawn();
    const id = this.#nextId++;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const result = await new Promise<ResultMessage | "timeout">((resolve) => {
      slot.job = { id, settle: resolve };
      if (this.#timeoutMs !== Infinity) {
        timer = setTimeout(() => resolve("timeout"), this.#timeoutMs);
      }
      const msg: JobMessage = { id, frames };
      try {
        slot.worker.postMessage(msg);
      } catch (e) {
        resolve({ id, ok: false, error: String(e) });
      }
    });
    clearTimeout(timer);
    if (
      result !== "timeout" && this.#slots.has(slot) && this.#reuse &&
      !this.#closed
    ) {
      slot.job = undefined;
      this.#idle.push(slot);
    } else {
      this.#discard(slot);
    }
    return result;
  }

  /** Terminates every worker; running jobs settle with an error. */
  close(): void {
    this.#closed = true;
    for (const slot of [...this.#slots]) {
      const job = slot.job;
      this.#discard(slot);
      job?.settle({ id: job.id, ok: false, error: "server closed" });
    }
  }
}
