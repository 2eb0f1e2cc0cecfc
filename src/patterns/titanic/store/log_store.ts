/**
 * The default Titanic store: an append-only, segmented log of records
 * encoded by the core's `FrameCodec` (lengths plus a CRC-32C per record),
 * with the index in memory, rebuilt at start-up by reading every segment.
 *
 * - **Group commit**: many concurrent writes share one `fdatasync`; a write
 *   resolves only after its record is synced.
 * - **Recovery**: a torn or corrupt tail of the last segment is found by
 *   CRC and cut at start-up; a damaged record in the middle of a segment
 *   stops the reading of that segment there (nothing after it is ever
 *   misread) and new records go to a new segment.
 * - **Compaction**: once less than `compactRatio` of a finished segment is
 *   live, its live records are copied to the head and the file is deleted,
 *   one segment at a time, while the store keeps serving.
 *
 * @experimental The store adapters may change before 1.0.
 * @module
 */
import { ClosedError, StorageError } from "../../../errors.ts";
import { createCore } from "../../../core/mod.ts";
import type { FrameCodec } from "../../../core/types.ts";
import type { Logger } from "../../../_util/logger.ts";
import {
  bool,
  count,
  fn,
  logger as loggerOption,
  oneOf,
  readOptions,
} from "../../../_util/options.ts";
import { EventHub } from "../../_kit/events.ts";
import { denoFileLayer, type FileLayer, joinPath } from "./file_layer.ts";
import { type Entry, type Loc, LogIndex, type Segment } from "./_log_index.ts";
import { LogWriter } from "./_log_writer.ts";
import { scanRecords } from "./_scan.ts";
import {
  attemptFrames,
  closeFrames,
  decodeRecord,
  type LogRecord,
  parkFrames,
  RecordKind,
  replyFrames,
  requestFrames,
} from "./_records.ts";
import { compactSegment } from "./_compact.ts";
import type {
  PendingRequest,
  StoredRequest,
  StoredState,
  TitanicStore,
  TitanicStoreStats,
} from "./types.ts";
import type { StoreEvent } from "./events.ts";

const CLS = "LogStore";
const te = new TextEncoder();
const SEGMENT_RE = /^titanic-(\d{12})\.log$/;

/**
 * Options of {@linkcode LogStore.open}.
 *
 * @experimental
 */
export interface LogStoreOptions {
  /**
   * `fdatasync` before a write resolves. `false` acknowledges writes once
   * they are in the operating system's cache: they survive a crash of the
   * process but not of the machine (a measuring ceiling, not for production).
   * @default true
   */
  sync?: boolean;
  /**
   * A new segment is started when the current one would grow past this.
   * @default 67108864 (64 MiB)
   */
  maxSegmentBytes?: number;
  /**
   * A finished segment is compacted once less than this fraction of its
   * bytes is live (0 disables compaction).
   * @default 0.5
   */
  compactRatio?: number;
  /** File operations (tests pass a fault-injecting layer). @default the real files */
  fileLayer?: FileLayer;
  /** Which frame codec: `"auto"`, `"wasm"` or `"ts"`. @default "auto" */
  core?: "auto" | "wasm" | "ts";
  /** Where diagnostics go. @default warnings and errors to stderr */
  logger?: Logger;
  /** Store events (recovery, compaction, write failures). @default none */
  onEvent?: (event: StoreEvent) => void;
}

const KNOWN: (keyof LogStoreOptions)[] = [
  "sync",
  "maxSegmentBytes",
  "compactRatio",
  "fileLayer",
  "core",
  "logger",
  "onEvent",
];

/**
 * Counters of a {@linkcode LogStore} (beyond the common ones).
 *
 * @experimental
 */
export interface LogStoreStats extends TitanicStoreStats {
  /** Segment files. */
  readonly segments: number;
  /** Segments compacted away. */
  readonly compactions: number;
  /** Records copied by compaction. */
  readonly copiedRecords: number;
  /** Bytes of torn tail cut at start-up. */
  readonly tailBytesCut: number;
  /** Segments holding damaged bytes (never read past). */
  readonly damagedSegments: number;
  /** Requests lost to damage found at start-up (their request record was unreadable). */
  readonly lostEntries: number;
}

/**
 * The append-log store. Open it with {@linkcode LogStore.open}; one process
 * at a time may hold a directory (a `LOCK` file).
 *
 * @experimental
 * @example
 * ```ts
 * import { LogStore } from "./log_store.ts";
 * const dir = Deno.makeTempDirSync();
 * const store = await LogStore.open(dir);
 * await store.putRequest("0123456789ABCDEF0123456789ABCDEF", "echo", [new TextEncoder().encode("hi")]);
 * console.log((await store.lookup("0123456789ABCDEF0123456789ABCDEF"))?.state); // "pending"
 * await store.close();
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export class LogStore implements TitanicStore {
  /** `"log"`. */
  readonly kind = "log";
  readonly #dir: string;
  readonly #layer: FileLayer;
  readonly #codec: FrameCodec;
  readonly #sync: boolean;
  readonly #ratio: number;
  readonly #log: Logger;
  readonly #events: EventHub<StoreEvent>;
  readonly #index: LogIndex;
  readonly #writer: LogWriter;
  readonly #release: () => void;
  #compacting: Promise<void> | null = null;
  #recheck = false;
  #closed: Promise<void> | null = null;
  #failedWrites = 0;
  #compactions = 0;
  #copied = 0;
  readonly #recovery: { tail: number; damaged: number; lost: number };

  private constructor(
    dir: string,
    o: {
      layer: FileLayer;
      codec: FrameCodec;
      sync: boolean;
      ratio: number;
      log: Logger;
      events: EventHub<StoreEvent>;
      index: LogIndex;
      release: () => void;
      maxSegment: number;
      active: Segment | null;
      nextSeq: number;
      recovery: { tail: number; damaged: number; lost: number };
    },
  ) {
    this.#dir = dir;
    this.#layer = o.layer;
    this.#codec = o.codec;
    this.#sync = o.sync;
    this.#ratio = o.ratio;
    this.#log = o.log;
    this.#events = o.events;
    this.#index = o.index;
    this.#release = o.release;
    this.#recovery = o.recovery;
    this.#writer = new LogWriter(
      o.layer,
      dir,
      o.codec,
      o.sync,
      o.maxSegment,
      o.active,
      o.nextSeq,
      (s) => {
        this.#index.segments.set(s.seq, s);
        // Not from inside the writer's flush: compaction appends records.
        queueMicrotask(() => this.#scheduleCompaction());
      },
    );
  }

  /**
   * Opens (or creates) a log store in a directory, replaying every segment
   * to rebuild the index and cutting a torn tail.
   *
   * @param dir The directory (created if missing).
   * @param options Sync, segment size, compaction, file layer, logger.
   * @returns The open store.
   * @throws {TypeError} On an unknown or badly typed option.
   * @throws {RangeError} On an option out of range.
   * @throws {StorageError} When the directory is locked by another process
   * or cannot be read.
   */
  static async open(dir: string, options?: LogStoreOptions): Promise<LogStore> {
    if (typeof dir !== "string" || dir === "") {
      throw new TypeError(`${CLS}.open(): dir must be a non-empty string`);
    }
    const o = readOptions(`${CLS}.open()`, options, KNOWN);
    const sync = bool(CLS, "sync", o.sync, true);
    const maxSegment = count(
      CLS,
      "maxSegmentBytes",
      o.maxSegmentBytes,
      64 << 20,
      4096,
      1 << 30,
    );
    const ratio = o.compactRatio ?? 0.5;
    if (typeof ratio !== "number" || !(ratio >= 0 && ratio < 1)) {
      throw new RangeError(
        `${CLS}: compactRatio must be at least 0 and below 1, got ${ratio}`,
      );
    }
    const layer = o.fileLayer ?? denoFileLayer;
    const log = loggerOption(CLS, o.logger, "titanic-store");
    const onEvent = fn<(e: StoreEvent) => void>(
      CLS,
      "onEvent",
      o.onEvent,
    );
    const events = new EventHub<StoreEvent>(log, onEvent);
    const core = oneOf(CLS, "core", o.core, ["auto", "wasm", "ts"], "auto");
    const codec = createCore({ impl: core }).createFrameCodec();
    try {
      layer.mkdir(dir);
    } catch (e) {
      throw new StorageError("open", `cannot create ${dir}`, { cause: e });
    }
    const release = layer.lock(dir);
    try {
      const index = new LogIndex();
      const recovery = { tail: 0, damaged: 0, lost: 0 };
      const seqs = layer.list(dir).map((n) => SEGMENT_RE.exec(n))
        .filter((m) => m !== null).map((m) => Number(m![1]))
        .sort((a, b) => a - b);
      let active: Segment | null = null;
      let cut: Segment | null = null;
      for (let i = 0; i < seqs.length; i++) {
        const seq = seqs[i];
        const path = joinPath(
          dir,
          `titanic-${String(seq).padStart(12, "0")}.log`,
        );
        const bytes = layer.readAll(path);
        const file = layer.open(path, false);
        const seg: Segment = {
          seq,
          path,
          file,
          size: 0,
          live: 0,
          damaged: false,
        };
        index.segments.set(seq, seg);
        const r = scanRecords(
          bytes,
          codec,
          (rec, off, len) => index.replay(rec, { seg: seq, off, len }),
        );
        seg.size = r.end;
        const last = i === seqs.length - 1;
        if (r.tail === "torn" && last) {
          file.truncate(r.end);
          recovery.tail += bytes.length - r.end;
          cut = seg;
          events.emit({
            type: "store:tail-cut",
            segment: seq,
            offset: r.end,
            bytes: bytes.length - r.end,
          });
          log.warn("cut a torn tail of the log (unacknowledged writes)", {
            segment: path,
            offset: r.end,
            bytes: bytes.length - r.end,
          });
        } else if (r.tail !== "clean") {
          seg.damaged = true;
          recovery.damaged++;
          events.emit({
            type: "store:damaged",
            segment: seq,
            offset: r.end,
            bytes: bytes.length - r.end,
          });
          log.error("damaged record in the log: not read past it", {
            segment: path,
            offset: r.end,
            unreadBytes: bytes.length - r.end,
          });
        }
        if (last) active = seg;
      }
      if (active && active.size === 0) {
        // Created but never written (a crash right after a roll).
        active.file.close();
        layer.remove(active.path);
        index.segments.delete(active.seq);
        active = null;
      }
      if (cut && sync && index.segments.has(cut.seq)) await cut.file.datasync();
      recovery.lost = index.finishReplay();
      const nextSeq = seqs.length ? seqs[seqs.length - 1] + 1 : 1;
      const store = new LogStore(dir, {
        layer,
        codec,
        sync,
        ratio,
        log,
        events,
        index,
        release,
        maxSegment,
        active,
        nextSeq,
        recovery,
      });
      events.emit({
        type: "store:opened",
        segments: index.segments.size,
        pending: index.counts.pending,
        replied: index.counts.replied,
        parked: index.counts.parked,
        tailBytesCut: recovery.tail,
        damagedSegments: recovery.damaged,
      });
      store.#scheduleCompaction();
      return store;
    } catch (e) {
      release();
      if (e instanceof StorageError) throw e;
      throw new StorageError("open", `cannot read the log in ${dir}`, {
        cause: e,
      });
    }
  }

  #check(): void {
    if (this.#closed) throw new ClosedError("The log store is closed");
  }

  async #append(
    frames: Uint8Array[],
    onDurable?: (loc: Loc) => void,
  ): Promise<Loc> {
    try {
      return await this.#writer.append(frames, onDurable);
    } catch (e) {
      if (e instanceof StorageError) {
        this.#failedWrites++;
        this.#events.emit({ type: "store:write-failed", error: e });
      }
      throw e;
    }
  }

  /** {@inheritDoc TitanicStore.putRequest} */
  async putRequest(
    uuid: string,
    service: string,
    body: readonly Uint8Array[],
  ): Promise<void> {
    this.#check();
    if (this.#index.entries.has(uuid)) {
      throw new RangeError(
        `${CLS}.putRequest(): UUID ${uuid} is already stored`,
      );
    }
    await this.#append(
      requestFrames(uuid, te.encode(service), body),
      (loc) => this.#index.add(uuid, service, loc),
    );
  }

  #pendingEntry(uuid: string): Entry | undefined {
    const e = this.#index.entries.get(uuid);
    if (
      !e || e.closed || e.closing || e.busy || e.rep ||
      e.parked !== undefined || !e.req
    ) return undefined;
    return e;
  }

  async #write(
    uuid: string,
    frames: (e: Entry) => Uint8Array[],
    apply: (e: Entry, loc: Loc) => void,
  ): Promise<Entry | undefined> {
    this.#check();
    const e = this.#pendingEntry(uuid);
    if (!e) return undefined;
    e.busy = true;
    try {
      await this.#append(frames(e), (loc) => apply(e, loc));
      return e;
    } finally {
      e.busy = false;
    }
  }

  /** {@inheritDoc TitanicStore.putReply} */
  async putReply(uuid: string, reply: readonly Uint8Array[]): Promise<boolean> {
    const e = await this.#write(
      uuid,
      () => replyFrames(uuid, reply),
      (e, loc) => this.#index.setLoc(e, "rep", loc),
    );
    return e !== undefined;
  }

  /** {@inheritDoc TitanicStore.recordAttempt} */
  async recordAttempt(uuid: string): Promise<number> {
    let n = -1;
    await this.#write(
      uuid,
      (e) => attemptFrames(uuid, n = e.attempts + 1),
      (e, loc) => {
        e.attempts = Math.max(e.attempts, n);
        this.#index.setLoc(e, "st", loc);
      },
    );
    return n;
  }

  /** {@inheritDoc TitanicStore.park} */
  async park(uuid: string, reason: string): Promise<boolean> {
    const e = await this.#write(
      uuid,
      (e) => parkFrames(uuid, reason, e.attempts),
      (e, loc) =>
        this.#index.mutate(e, () => {
          e.parked = reason;
          this.#index.setLoc(e, "st", loc);
        }),
    );
    return e !== undefined;
  }

  /** {@inheritDoc TitanicStore.remove} */
  async remove(uuid: string): Promise<void> {
    this.#check();
    const e = this.#index.entries.get(uuid);
    if (!e || e.closed || e.closing) return;
    e.closing = true;
    try {
      await this.#append(closeFrames(uuid), (loc) => this.#index.close(e, loc));
    } catch (err) {
      e.closing = false;
      throw err;
    }
    this.#scheduleCompaction();
  }

  /** {@inheritDoc TitanicStore.lookup} */
  lookup(uuid: string): Promise<StoredState | undefined> {
    const e = this.#index.entries.get(uuid);
    if (!e || e.closed) return Promise.resolve(undefined);
    const base = { service: e.service, attempts: e.attempts };
    if (e.rep) return Promise.resolve({ state: "replied", ...base });
    if (e.parked !== undefined) {
      return Promise.resolve({ state: "parked", ...base, reason: e.parked });
    }
    if (!e.req) return Promise.resolve(undefined);
    return Promise.resolve({ state: "pending", ...base });
  }

  #read(loc: Loc, kind: number, uuid: string): LogRecord {
    const seg = this.#index.segments.get(loc.seg);
    if (!seg) throw new StorageError("read", `segment ${loc.seg} is gone`);
    let rec: LogRecord | null;
    try {
      rec = decodeRecord(this.#codec.decode(seg.file.readAt(loc.off, loc.len)));
    } catch (e) {
      throw new StorageError(
        "read",
        `record at ${seg.path}:${loc.off} is unreadable`,
        { cause: e },
      );
    }
    if (!rec || rec.kind !== kind || (rec as { uuid?: string }).uuid !== uuid) {
      throw new StorageError(
        "read",
        `record at ${seg.path}:${loc.off} is not the expected one`,
      );
    }
    return rec;
  }

  /** {@inheritDoc TitanicStore.readRequest} */
  readRequest(uuid: string): Promise<StoredRequest | undefined> {
    try {
      const e = this.#index.entries.get(uuid);
      if (
        !e || e.closed || e.closing || !e.req || e.rep || e.parked !== undefined
      ) {
        return Promise.resolve(undefined);
      }
      const rec = this.#read(e.req, RecordKind.REQUEST, uuid) as {
        body: Uint8Array[];
      };
      return Promise.resolve({
        service: e.service,
        body: rec.body,
        attempts: e.attempts,
      });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** {@inheritDoc TitanicStore.readReply} */
  readReply(uuid: string): Promise<Uint8Array[] | undefined> {
    try {
      const e = this.#index.entries.get(uuid);
      if (!e || e.closed || !e.rep) return Promise.resolve(undefined);
      const rec = this.#read(e.rep, RecordKind.REPLY, uuid) as {
        body: Uint8Array[];
      };
      return Promise.resolve(rec.body);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** {@inheritDoc TitanicStore.pending} */
  pending(): Promise<PendingRequest[]> {
    const out: (PendingRequest & { order: number })[] = [];
    for (const e of this.#index.entries.values()) {
      if (!e.closed && e.req && !e.rep && e.parked === undefined) {
        out.push({
          uuid: e.uuid,
          service: e.service,
          attempts: e.attempts,
          order: e.order,
        });
      }
    }
    out.sort((a, b) => a.order - b.order);
    return Promise.resolve(
      out.map(({ uuid, service, attempts }) => ({ uuid, service, attempts })),
    );
  }

  /** The counters. */
  get stats(): LogStoreStats {
    const w = this.#writer.stats;
    let disk = 0;
    for (const s of this.#index.segments.values()) disk += s.size;
    const c = this.#index.counts;
    return {
      kind: "log",
      pending: c.pending,
      replied: c.replied,
      parked: c.parked,
      diskBytes: disk,
      commits: this.#sync ? w.syncs : w.batches,
      writes: w.records,
      maxBatch: w.maxBatch,
      failedWrites: this.#failedWrites,
      segments: this.#index.segments.size,
      compactions: this.#compactions,
      copiedRecords: this.#copied,
      tailBytesCut: this.#recovery.tail,
      damagedSegments: this.#recovery.damaged,
      lostEntries: this.#recovery.lost,
    };
  }

  /** Runs a compaction pass now (tests); resolves when none is left to do. */
  async compact(): Promise<void> {
    this.#scheduleCompaction();
    while (this.#compacting) await this.#compacting;
  }

  #candidate(): Segment | undefined {
    if (this.#ratio <= 0 || this.#closed) return undefined;
    const active = this.#writer.active;
    let best: Segment | undefined;
    let bestRatio = this.#ratio;
    for (const s of this.#index.segments.values()) {
      if (s === active || s.size === 0) continue;
      const r = s.live / s.size;
      if (r < bestRatio) {
        best = s;
        bestRatio = r;
      }
    }
    return best;
  }

  #scheduleCompaction(): void {
    if (this.#compacting) {
      this.#recheck = true;
      return;
    }
    const seg = this.#candidate();
    if (!seg) return;
    this.#compacting = (async () => {
      try {
        let next: Segment | undefined = seg;
        while (next && !this.#closed) {
          this.#recheck = false;
          const r = await compactSegment({
            index: this.#index,
            codec: this.#codec,
            layer: this.#layer,
            dir: this.#dir,
            sync: this.#sync,
            appendRecord: (frames, onDurable) =>
              this.#append(frames, onDurable),
          }, next);
          this.#compactions++;
          this.#copied += r.copied;
          this.#events.emit({
            type: "store:compacted",
            segment: next.seq,
            copiedRecords: r.copied,
            freedBytes: r.freed,
          });
          next = this.#candidate();
        }
      } catch (e) {
        this.#log.warn("compaction stopped; it will be retried", {
          error: String(e),
        });
      } finally {
        this.#compacting = null;
      }
    })();
  }

  /** {@inheritDoc TitanicStore.close} */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      while (this.#compacting) await this.#compacting;
      await this.#writer.close();
      for (const s of this.#index.segments.values()) s.file.close();
      this.#release();
    })();
    return this.#closed;
  }
}
