/**
 * A Titanic store on SQLite (`node:sqlite`, built into Deno), for users who
 * want to inspect the store with standard tools
 * (`sqlite3 DIR/titanic.sqlite 'select uuid, service, attempts from requests'`).
 * WAL journal, `synchronous = FULL`; concurrent writes are batched into one
 * transaction (one commit, one WAL sync) and resolve after it commits.
 *
 * SQLite calls are synchronous: a commit holds the event loop for the
 * duration of its sync; writes that arrive meanwhile form the next batch.
 *
 * Table `requests`: `seq` (arrival order), `uuid`, `service`, `request` and
 * `reply` (the frames, each a core `FrameCodec` record), `attempts`,
 * `parked` (the reason, when given up).
 *
 * @experimental The store adapters may change before 1.0.
 * @module
 */
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { setImmediate } from "node:timers";
import { ClosedError, StorageError } from "../../../errors.ts";
import { createCore } from "../../../core/mod.ts";
import type { FrameCodec } from "../../../core/types.ts";
import type { Logger } from "../../../_util/logger.ts";
import {
  bool,
  fn,
  logger as loggerOption,
  oneOf,
  readOptions,
} from "../../../_util/options.ts";
import { EventHub } from "../../_kit/events.ts";
import { denoFileLayer, joinPath } from "./file_layer.ts";
import type { StoreEvent } from "./events.ts";
import type {
  PendingRequest,
  StoredRequest,
  StoredState,
  TitanicStore,
  TitanicStoreStats,
} from "./types.ts";

const CLS = "SqliteStore";
/** The database file's name in the store directory. */
export const SQLITE_FILE = "titanic.sqlite";

/**
 * Options of {@linkcode SqliteStore.open}.
 *
 * @experimental
 */
export interface SqliteStoreOptions {
  /**
   * `synchronous = FULL` (`true`) or `OFF` (`false`: a measuring ceiling,
   * not durable against a machine crash).
   * @default true
   */
  sync?: boolean;
  /** Which frame codec encodes the bodies: `"auto"`, `"wasm"` or `"ts"`. @default "auto" */
  core?: "auto" | "wasm" | "ts";
  /** Where diagnostics go. @default warnings and errors to stderr */
  logger?: Logger;
  /** Store events (write failures). @default none */
  onEvent?: (event: StoreEvent) => void;
}

interface Op {
  run(): unknown;
  resolve(v: unknown): void;
  reject(e: Error): void;
}

type Row = Record<string, unknown>;

/**
 * The SQLite store.
 *
 * @experimental
 * @example
 * ```ts
 * import { SqliteStore } from "./sqlite_store.ts";
 * const dir = Deno.makeTempDirSync();
 * const store = await SqliteStore.open(dir);
 * await store.putRequest("0123456789ABCDEF0123456789ABCDEF", "echo", [new TextEncoder().encode("hi")]);
 * console.log(store.stats.pending); // 1
 * await store.close();
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export class SqliteStore implements TitanicStore {
  /** `"sqlite"`. */
  readonly kind = "sqlite";
  readonly #db: DatabaseSync;
  readonly #path: string;
  readonly #codec: FrameCodec;
  readonly #log: Logger;
  readonly #events: EventHub<StoreEvent>;
  readonly #release: () => void;
  readonly #st: Record<string, StatementSync>;
  #ops: Op[] = [];
  #scheduled = false;
  #closed: Promise<void> | null = null;
  #commits = 0;
  #writes = 0;
  #maxBatch = 0;
  #lastBatch = 0;
  #failed = 0;
  readonly #counts = { pending: 0, replied: 0, parked: 0 };

  private constructor(
    db: DatabaseSync,
    path: string,
    codec: FrameCodec,
    log: Logger,
    events: EventHub<StoreEvent>,
    release: () => void,
  ) {
    this.#db = db;
    this.#path = path;
    this.#codec = codec;
    this.#log = log;
    this.#events = events;
    this.#release = release;
    const live = "reply IS NULL AND parked IS NULL";
    const p = (sql: string) => db.prepare(sql);
    this.#st = {
      insert: p(
        "INSERT INTO requests (uuid, service, request) VALUES (?, ?, ?)",
      ),
      reply: p(`UPDATE requests SET reply = ? WHERE uuid = ? AND ${live}`),
      attempt: p(
        `UPDATE requests SET attempts = attempts + 1 WHERE uuid = ? AND ${live} RETURNING attempts`,
      ),
      park: p(`UPDATE requests SET parked = ? WHERE uuid = ? AND ${live}`),
      remove: p(
        "DELETE FROM requests WHERE uuid = ? RETURNING reply IS NOT NULL AS replied, parked IS NOT NULL AS parked",
      ),
      lookup: p(
        "SELECT service, attempts, reply IS NOT NULL AS replied, parked FROM requests WHERE uuid = ?",
      ),
      request: p(
        `SELECT service, request, attempts FROM requests WHERE uuid = ? AND ${live}`,
      ),
      replyOf: p("SELECT reply FROM requests WHERE uuid = ?"),
      pending: p(
        `SELECT uuid, service, attempts FROM requests WHERE ${live} ORDER BY seq`,
      ),
      counts: p(
        "SELECT count(*) FILTER (WHERE reply IS NULL AND parked IS NULL) AS pending, count(*) FILTER (WHERE reply IS NOT NULL) AS replied, count(*) FILTER (WHERE reply IS NULL AND parked IS NOT NULL) AS parked FROM requests",
      ),
    };
    const c = this.#st.counts.get() as Row;
    this.#counts.pending = Number(c.pending);
    this.#counts.replied = Number(c.replied);
    this.#counts.parked = Number(c.parked);
  }

  /**
   * Opens (or creates) the store `DIR/titanic.sqlite`.
   *
   * @param dir The directory (created if missing).
   * @param options Sync, codec, logger.
   * @returns The open store.
   * @throws {TypeError} On an unknown or badly typed option.
   * @throws {StorageError} When the directory is locked by another process
   * or the database cannot be opened.
   */
  static open(dir: string, options?: SqliteStoreOptions): Promise<SqliteStore> {
    try {
      if (typeof dir !== "string" || dir === "") {
        throw new TypeError(`${CLS}.open(): dir must be a non-empty string`);
      }
      const o = readOptions(`${CLS}.open()`, options, [
        "sync",
        "core",
        "logger",
        "onEvent",
      ]);
      const sync = bool(CLS, "sync", o.sync, true);
      const log = loggerOption(CLS, o.logger, "titanic-store");
      const onEvent = fn<(e: StoreEvent) => void>(
        CLS,
        "onEvent",
        o.onEvent,
      );
      const core = oneOf(CLS, "core", o.core, ["auto", "wasm", "ts"], "auto");
      const codec = createCore({ impl: core }).createFrameCodec();
      const events = new EventHub<StoreEvent>(log, onEvent);
      denoFileLayer.mkdir(dir);
      const release = denoFileLayer.lock(dir);
      const path = joinPath(dir, SQLITE_FILE);
      try {
        const db = new DatabaseSync(path);
        db.exec(
          `PRAGMA journal_mode = WAL; PRAGMA synchronous = ${
            sync ? "FULL" : "OFF"
          }; PRAGMA busy_timeout = 1000;
          CREATE TABLE IF NOT EXISTS requests (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            uuid TEXT NOT NULL UNIQUE,
            service TEXT NOT NULL,
            request BLOB NOT NULL,
            reply BLOB,
            attempts INTEGER NOT NULL DEFAULT 0,
            parked TEXT
          );`,
        );
        return Promise.resolve(
          new SqliteStore(db, path, codec, log, events, release),
        );
      } catch (e) {
        release();
        throw new StorageError("open", `cannot open ${path}`, { cause: e });
      }
    } catch (e) {
      return Promise.reject(e);
    }
  }

  #write<T>(run: () => T): Promise<T> {
    if (this.#closed) {
      return Promise.reject(new ClosedError("The SQLite store is closed"));
    }
    const p = new Promise<T>((resolve, reject) =>
      this.#ops.push({
        run,
        resolve: resolve as (v: unknown) => void,
        reject,
      })
    );
    if (!this.#scheduled) {
      this.#scheduled = true;
      // Alone (the last commit held one write): commit at once. Under
      // concurrency: in the next macrotask, so that the writes of requests
      // received in this turn of the event loop join the transaction.
      (this.#lastBatch > 1 ? setImmediate : queueMicrotask)(() => {
        this.#scheduled = false;
        this.#flush();
      });
    }
    return p;
  }

  #flush(): void {
    const ops = this.#ops;
    this.#ops = [];
    if (ops.length > 0) this.#commit(ops);
  }

  #commit(ops: Op[]): void {
    const results: { ok: boolean; v: unknown }[] = [];
    const db = this.#db;
    try {
      db.exec("BEGIN IMMEDIATE");
      for (const op of ops) {
        try {
          results.push({ ok: true, v: op.run() });
        } catch (e) {
          if (!db.isTransaction) throw e;
          results.push({ ok: false, v: e });
        }
      }
      db.exec("COMMIT");
    } catch (e) {
      try {
        if (db.isTransaction) db.exec("ROLLBACK");
      } catch {
        // nothing more to undo
      }
      const err = new StorageError("commit", String(e), { cause: e });
      this.#failed += ops.length;
      this.#events.emit({ type: "store:write-failed", error: err });
      for (const op of ops) op.reject(err);
      return;
    }
    this.#commits++;
    this.#lastBatch = ops.length;
    this.#writes += ops.length;
    if (ops.length > this.#maxBatch) this.#maxBatch = ops.length;
    for (let i = 0; i < ops.length; i++) {
      const r = results[i];
      if (r.ok) ops[i].resolve(r.v);
      else {
        ops[i].reject(
          new StorageError("write", String(r.v), { cause: r.v }),
        );
      }
    }
  }

  /** {@inheritDoc TitanicStore.putRequest} */
  async putRequest(
    uuid: string,
    service: string,
    body: readonly Uint8Array[],
  ): Promise<void> {
    const blob = this.#codec.encode(body);
    await this.#write(() => this.#st.insert.run(uuid, service, blob));
    this.#counts.pending++;
  }

  /** {@inheritDoc TitanicStore.putReply} */
  async putReply(uuid: string, reply: readonly Uint8Array[]): Promise<boolean> {
    const blob = this.#codec.encode(reply);
    const r = await this.#write(() => this.#st.reply.run(blob, uuid));
    if (Number(r.changes) !== 1) return false;
    this.#counts.pending--;
    this.#counts.replied++;
    return true;
  }

  /** {@inheritDoc TitanicStore.recordAttempt} */
  async recordAttempt(uuid: string): Promise<number> {
    const row = await this.#write(() => this.#st.attempt.get(uuid) as Row);
    return row ? Number(row.attempts) : -1;
  }

  /** {@inheritDoc TitanicStore.park} */
  async park(uuid: string, reason: string): Promise<boolean> {
    const r = await this.#write(() => this.#st.park.run(reason, uuid));
    if (Number(r.changes) !== 1) return false;
    this.#counts.pending--;
    this.#counts.parked++;
    return true;
  }

  /** {@inheritDoc TitanicStore.remove} */
  async remove(uuid: string): Promise<void> {
    const row = await this.#write(() => this.#st.remove.get(uuid) as Row);
    if (!row) return;
    if (Number(row.replied)) this.#counts.replied--;
    else if (Number(row.parked)) this.#counts.parked--;
    else this.#counts.pending--;
  }

  #read<T>(fn: () => T): Promise<T> {
    if (this.#closed) {
      return Promise.reject(new ClosedError("The SQLite store is closed"));
    }
    try {
      return Promise.resolve(fn());
    } catch (e) {
      return Promise.reject(new StorageError("read", String(e), { cause: e }));
    }
  }

  #decode(blob: unknown): Uint8Array[] {
    return this.#codec.decode(blob as Uint8Array);
  }

  /** {@inheritDoc TitanicStore.lookup} */
  lookup(uuid: string): Promise<StoredState | undefined> {
    return this.#read(() => {
      const r = this.#st.lookup.get(uuid) as Row | undefined;
      if (!r) return undefined;
      const base = { service: String(r.service), attempts: Number(r.attempts) };
      if (Number(r.replied)) return { state: "replied" as const, ...base };
      if (r.parked !== null) {
        return { state: "parked" as const, ...base, reason: String(r.parked) };
      }
      return { state: "pending" as const, ...base };
    });
  }

  /** {@inheritDoc TitanicStore.readRequest} */
  readRequest(uuid: string): Promise<StoredRequest | undefined> {
    return this.#read(() => {
      const r = this.#st.request.get(uuid) as Row | undefined;
      if (!r) return undefined;
      return {
        service: String(r.service),
        body: this.#decode(r.request),
        attempts: Number(r.attempts),
      };
    });
  }

  /** {@inheritDoc TitanicStore.readReply} */
  readReply(uuid: string): Promise<Uint8Array[] | undefined> {
    return this.#read(() => {
      const r = this.#st.replyOf.get(uuid) as Row | undefined;
      if (!r || r.reply === null) return undefined;
      return this.#decode(r.reply);
    });
  }

  /** {@inheritDoc TitanicStore.pending} */
  pending(): Promise<PendingRequest[]> {
    return this.#read(() =>
      (this.#st.pending.all() as Row[]).map((r) => ({
        uuid: String(r.uuid),
        service: String(r.service),
        attempts: Number(r.attempts),
      }))
    );
  }

  /** The counters. */
  get stats(): TitanicStoreStats {
    let disk = 0;
    for (const suffix of ["", "-wal"]) {
      try {
        disk += Deno.statSync(this.#path + suffix).size;
      } catch {
        // not there
      }
    }
    return {
      kind: "sqlite",
      ...this.#counts,
      diskBytes: disk,
      commits: this.#commits,
      writes: this.#writes,
      maxBatch: this.#maxBatch,
      failedWrites: this.#failed,
    };
  }

  /** {@inheritDoc TitanicStore.close} */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      while (this.#scheduled) await new Promise((r) => setImmediate(r));
      try {
        this.#db.close();
      } finally {
        this.#release();
      }
    })();
    return this.#closed;
  }
}
