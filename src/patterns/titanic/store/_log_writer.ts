/**
 * The log's writer: group commit over segment files. Records are encoded
 * into one batch buffer; one flush writes the batch with a single write and
 * makes it durable with a single `fdatasync`, then resolves every record in
 * it. While a sync is in flight, new records gather in the next batch, so
 * the number of syncs adapts to the load (one per record when idle, one per
 * hundreds under concurrency) with no timer and no added latency.
 *
 * A failed write or sync fails the whole batch (every record in it is
 * rejected, nothing of it is acknowledged) and cuts the file back to where
 * the batch began; a failed cut stops all writing (reads go on).
 *
 * @module
 */
import { setImmediate } from "node:timers";
import { ClosedError, StorageError } from "../../../errors.ts";
import type { FrameCodec } from "../../../core/types.ts";
import { type FileLayer, joinPath } from "./file_layer.ts";
import type { Loc, Segment } from "./_log_index.ts";
import { segmentFrames } from "./_records.ts";

interface Waiter {
  rel: number;
  len: number;
  /** Runs synchronously when the record is durable, before anything else can run. */
  onDurable?: (loc: Loc) => void;
  resolve(loc: Loc): void;
  reject(e: Error): void;
}

/** Counters of the writer. */
export interface WriterStats {
  /** Records written. */
  records: number;
  /** Batches written (one write each). */
  batches: number;
  /** `fdatasync` calls that completed. */
  syncs: number;
  /** Most records in one batch. */
  maxBatch: number;
  /** Bytes written. */
  bytes: number;
  /** Batches that failed (write or sync error). */
  failedBatches: number;
}

/** Segment file name for a number. */
export function segmentName(seq: number): string {
  return `titanic-${String(seq).padStart(12, "0")}.log`;
}

/** The writer. */
export class LogWriter {
  readonly #layer: FileLayer;
  readonly #dir: string;
  readonly #codec: FrameCodec;
  readonly #sync: boolean;
  readonly #maxSegment: number;
  readonly #onSegment: (s: Segment) => void;
  #active: Segment | null;
  #nextSeq: number;
  #buf = new Uint8Array(1 << 16);
  /** The other buffer: the batch being written uses one, appends the other. */
  #spare = new Uint8Array(1 << 16);
  #used = 0;
  #waiters: Waiter[] = [];
  /** The flush loop runs (set and cleared synchronously). */
  #running = false;
  #flushing: Promise<void> = Promise.resolve();
  #scheduled = false;
  #lastBatch = 0;
  #failed: StorageError | null = null;
  #closed = false;
  #dirDirty = false;
  readonly stats: WriterStats = {
    records: 0,
    batches: 0,
    syncs: 0,
    maxBatch: 0,
    bytes: 0,
    failedBatches: 0,
  };

  /**
   * @param layer File operations.
   * @param dir The store's directory.
   * @param codec Record codec.
   * @param sync Whether to `fdatasync` before acknowledging.
   * @param maxSegment Roll to a new segment beyond this size.
   * @param active The segment to append to (null: start one).
   * @param nextSeq The number of the next segment.
   * @param onSegment Called with each new segment.
   */
  constructor(
    layer: FileLayer,
    dir: string,
    codec: FrameCodec,
    sync: boolean,
    maxSegment: number,
    active: Segment | null,
    nextSeq: number,
    onSegment: (s: Segment) => void,
  ) {
    this.#layer = layer;
    this.#dir = dir;
    this.#codec = codec;
    this.#sync = sync;
    this.#maxSegment = maxSegment;
    this.#active = active;
    this.#nextSeq = nextSeq;
    this.#onSegment = onSegment;
  }

  /** The segment being appended to. */
  get active(): Segment | null {
    return this.#active;
  }

  /** Set once a failure left the log unwritable (until restart). */
  get failed(): StorageError | null {
    return this.#failed;
  }

  /**
   * Appends a record; resolves with its location once it is durable (or,
   * with sync off, once written).
   * @param frames The record's frames.
   * @param onDurable Called synchronously at that moment, so that the
   * index reflects the record before any other code runs (compaction
   * relies on it).
   * @returns Where the record is.
   */
  append(
    frames: readonly Uint8Array[],
    onDurable?: (loc: Loc) => void,
  ): Promise<Loc> {
    if (this.#closed) {
      return Promise.reject(new ClosedError("The log store is closed"));
    }
    if (this.#failed) return Promise.reject(this.#failed);
    let len: number;
    try {
      len = this.#codec.encodedLength(frames);
      if (this.#used + len > this.#buf.length) {
        let cap = this.#buf.length * 2;
        while (cap < this.#used + len) cap *= 2;
        const b = new Uint8Array(cap);
        b.set(this.#buf.subarray(0, this.#used));
        this.#buf = b;
      }
      this.#codec.encodeInto(frames, this.#buf, this.#used);
    } catch (e) {
      return Promise.reject(e);
    }
    const rel = this.#used;
    this.#used += len;
    const p = new Promise<Loc>((resolve, reject) =>
      this.#waiters.push({ rel, len, onDurable, resolve, reject })
    );
    if (!this.#running && !this.#scheduled) {
      this.#scheduled = true;
      // Alone (the last batch held one record): flush at once. Under
      // concurrency: in the next macrotask, so that the requests received
      // in this turn of the event loop join the batch.
      (this.#lastBatch > 1 ? setImmediate : queueMicrotask)(() => {
        this.#scheduled = false;
        if (this.#running) return;
        this.#running = true;
        this.#flushing = this.#run();
      });
    }
    return p;
  }

  async #run(): Promise<void> {
    for (;;) {
      // Checked and cleared with no await in between, so that a record
      // appended after this point always starts a new loop.
      if (this.#used === 0) {
        this.#running = false;
        return;
      }
      const waiters = this.#waiters;
      const used = this.#used;
      const buf = this.#buf;
      this.#waiters = [];
      this.#used = 0;
      this.#buf = this.#spare;
      this.#spare = buf;
      try {
        const { seg, base } = this.#write(buf.subarray(0, used));
        if (this.#sync) await this.#durable(seg, base);
        this.stats.records += waiters.length;
        this.stats.batches++;
        this.stats.bytes += used;
        if (waiters.length > this.stats.maxBatch) {
          this.stats.maxBatch = waiters.length;
        }
        for (const w of waiters) {
          const loc = { seg: seg.seq, off: base + w.rel, len: w.len };
          w.onDurable?.(loc);
          w.resolve(loc);
        }
      } catch (e) {
        this.stats.failedBatches++;
        for (const w of waiters) w.reject(e as Error);
      }
    }
  }

  /** Writes the batch (rolling first when the segment is full). */
  #write(batch: Uint8Array): { seg: Segment; base: number } {
    const used = batch.length;
    if (this.#failed) throw this.#failed;
    let seg = this.#active;
    const header = 64;
    if (
      seg === null || seg.damaged ||
      (seg.size > header && seg.size + used > this.#maxSegment)
    ) {
      seg = this.roll();
    }
    const base = seg.size;
    try {
      seg.file.append(batch);
    } catch (e) {
      this.#cut(seg, base);
      throw new StorageError("append", errText(e), { cause: e });
    }
    seg.size = base + used;
    return { seg, base };
  }

  async #durable(seg: Segment, base: number): Promise<void> {
    try {
      await seg.file.datasync();
      this.stats.syncs++;
      if (this.#dirDirty) {
        await this.#layer.syncDir(this.#dir);
        this.#dirDirty = false;
      }
    } catch (e) {
      // What the failed sync covered may or may not be on disk: cut it, so
      // that nothing of an unacknowledged batch can come back.
      this.#cut(seg, base);
      seg.size = base;
      throw new StorageError("sync", errText(e), { cause: e });
    }
  }

  #cut(seg: Segment, base: number): void {
    try {
      seg.file.truncate(base);
    } catch (e) {
      this.#failed = new StorageError(
        "truncate",
        `cannot cut ${seg.path} back to ${base} bytes after a failed write; the log is read-only until restart (${
          errText(e)
        })`,
        { cause: e },
      );
    }
  }

  /**
   * Starts a new segment (its header goes in now; it is synced with the
   * next batch, and the directory entry after it).
   * @returns The new active segment.
   */
  roll(): Segment {
    const seq = this.#nextSeq;
    const path = joinPath(this.#dir, segmentName(seq));
    let file;
    try {
      file = this.#layer.open(path, true);
    } catch (e) {
      throw new StorageError("append", `cannot create ${path}: ${errText(e)}`, {
        cause: e,
      });
    }
    const header = this.#codec.encode(segmentFrames(seq));
    try {
      file.append(header);
    } catch (e) {
      file.close();
      try {
        this.#layer.remove(path);
      } catch {
        // leave it; start-up reads an empty or torn segment as empty
      }
      throw new StorageError("append", errText(e), { cause: e });
    }
    this.#nextSeq = seq + 1;
    this.#dirDirty = true;
    const seg: Segment = {
      seq,
      path,
      file,
      size: header.length,
      live: 0,
      damaged: false,
    };
    this.#active = seg;
    this.#onSegment(seg);
    return seg;
  }

  /** Waits for the batch in flight and every record queued before. */
  async drain(): Promise<void> {
    while (this.#running || this.#scheduled || this.#used > 0) {
      if (this.#running) await this.#flushing;
      else await Promise.resolve();
    }
  }

  /** Refuses new records and waits for the ones queued. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.drain();
  }
}

function errText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
