/**
 * The log store's in-memory index: one entry per request UUID with where
 * its records are, and per segment how many of its bytes are still live
 * (what compaction would have to copy). Rebuilt at start-up by replaying
 * every record; updated as records become durable. Pure (no I/O).
 *
 * Liveness rules (they make compaction and replay order-independent):
 * - a data record (REQUEST, REPLY, latest ATTEMPT/PARK) is live while its
 *   request is not closed and it is the newest record of its kind;
 * - a CLOSE record (tombstone) is live while a data record of its request
 *   still exists in some segment, so that replay cannot resurrect it;
 * - nothing is ever written for a request after its CLOSE.
 *
 * @module
 */
import type { StoreFile } from "./file_layer.ts";
import { type LogRecord, RecordKind } from "./_records.ts";

const td = new TextDecoder();

/** Where a record is. */
export interface Loc {
  /** Segment number. */
  readonly seg: number;
  /** Byte offset in the segment. */
  readonly off: number;
  /** Record length. */
  readonly len: number;
}

/** One segment file. */
export interface Segment {
  /** Its number (file name order). */
  readonly seq: number;
  /** Its path. */
  readonly path: string;
  /** Open for reads (and appends, when active). */
  file: StoreFile;
  /** Bytes of good records (the end of the last one). */
  size: number;
  /** Bytes of live records. */
  live: number;
  /** Holds bytes after `size` that must never be read (damaged). */
  damaged: boolean;
}

/** A request's entry. */
export interface Entry {
  readonly uuid: string;
  service: string;
  order: number;
  req?: Loc;
  rep?: Loc;
  st?: Loc;
  tomb?: Loc;
  attempts: number;
  parked?: string;
  closed: boolean;
  /** A CLOSE is being written. */
  closing: boolean;
  /** A REPLY, ATTEMPT or PARK is being written. */
  busy: boolean;
}

/** The data-location fields of an entry. */
export type DataField = "req" | "rep" | "st";
const DATA: readonly DataField[] = ["req", "rep", "st"];

/** Counts by state. */
export interface IndexCounts {
  pending: number;
  replied: number;
  parked: number;
  closed: number;
}

type State = keyof IndexCounts | "none";

function stateOf(e: Entry): State {
  if (e.closed) return "closed";
  if (e.rep) return "replied";
  if (e.parked !== undefined) return "parked";
  return e.req ? "pending" : "none";
}

/** The index. */
export class LogIndex {
  readonly entries: Map<string, Entry> = new Map();
  readonly segments: Map<number, Segment> = new Map();
  readonly counts: IndexCounts = {
    pending: 0,
    replied: 0,
    parked: 0,
    closed: 0,
  };
  #order = 0;

  /**
   * Runs `change` on an entry and keeps the state counts right.
   * @param e The entry.
   * @param change The mutation.
   */
  #update(e: Entry, change: () => void): void {
    const before = stateOf(e);
    change();
    const after = stateOf(e);
    if (before !== after) {
      if (before !== "none") this.counts[before]--;
      if (after !== "none") this.counts[after]++;
    }
  }

  #live(loc: Loc | undefined, delta: number): void {
    if (!loc) return;
    const s = this.segments.get(loc.seg);
    if (s) s.live += delta * loc.len;
  }

  /** Whether the entry still has a data record somewhere. */
  static hasData(e: Entry): boolean {
    return e.req !== undefined || e.rep !== undefined || e.st !== undefined;
  }

  /**
   * Creates the entry of a newly stored request.
   * @param uuid The UUID.
   * @param service The target service.
   * @param loc Its REQUEST record.
   * @returns The entry.
   */
  add(uuid: string, service: string, loc: Loc): Entry {
    const e: Entry = {
      uuid,
      service,
      order: this.#order++,
      attempts: 0,
      closed: false,
      closing: false,
      busy: false,
    };
    this.entries.set(uuid, e);
    this.#update(e, () => e.req = loc);
    this.#live(loc, 1);
    return e;
  }

  /**
   * Points a data field at a new record (the old one becomes dead).
   * @param e The entry.
   * @param field Which record.
   * @param loc The new record.
   */
  setLoc(e: Entry, field: DataField, loc: Loc): void {
    if (!e.closed) {
      this.#live(e[field], -1);
      this.#live(loc, 1);
    }
    this.#update(e, () => e[field] = loc);
  }

  /**
   * Records that an entry got a reply, attempt count or park reason.
   * @param e The entry.
   * @param change The mutation (e.g. set `parked`).
   */
  mutate(e: Entry, change: () => void): void {
    this.#update(e, change);
  }

  /**
   * Marks an entry closed by a durable CLOSE record.
   * @param e The entry.
   * @param tomb The CLOSE record.
   */
  close(e: Entry, tomb: Loc): void {
    if (e.closed) return;
    for (const f of DATA) this.#live(e[f], -1);
    this.#update(e, () => {
      e.closed = true;
      e.closing = false;
    });
    e.tomb = tomb;
    if (LogIndex.hasData(e)) {
      this.#live(tomb, 1);
    } else {
      this.entries.delete(e.uuid);
      this.counts.closed--;
    }
  }

  /**
   * Moves a closed entry's tombstone to a new record.
   * @param e The entry.
   * @param tomb The new CLOSE record.
   */
  moveTomb(e: Entry, tomb: Loc): void {
    const has = LogIndex.hasData(e);
    if (has) this.#live(e.tomb, -1);
    e.tomb = tomb;
    if (has) this.#live(tomb, 1);
  }

  /**
   * Forgets a data record whose segment is being deleted (the entry is
   * closed, or the field points elsewhere); forgets a closed entry that has
   * no data left, and its tombstone's liveness with it.
   * @param e The entry.
   * @param seg The segment being deleted.
   */
  dropSegmentLocs(e: Entry, seg: number): void {
    let changed = false;
    for (const f of DATA) {
      const loc = e[f];
      if (loc && loc.seg === seg) {
        if (!e.closed) this.#live(loc, -1);
        this.#update(e, () => e[f] = undefined);
        changed = true;
      }
    }
    if (!changed) return;
    if (e.closed && !LogIndex.hasData(e)) {
      this.#live(e.tomb, -1);
      this.entries.delete(e.uuid);
      this.counts.closed--;
    }
  }

  // ---------------------------------------------------------------- replay

  /**
   * Applies one record read at start-up. Order does not matter except
   * that a later record of a kind replaces an earlier one.
   * @param rec The record.
   * @param loc Where it is.
   */
  replay(rec: LogRecord, loc: Loc): void {
    if (rec.kind === RecordKind.SEGMENT) return;
    let e = this.entries.get(rec.uuid);
    if (e === undefined) {
      e = {
        uuid: rec.uuid,
        service: "",
        order: Number.MAX_SAFE_INTEGER,
        attempts: 0,
        closed: false,
        closing: false,
        busy: false,
      };
      this.entries.set(rec.uuid, e);
    }
    switch (rec.kind) {
      case RecordKind.REQUEST:
        e.req = loc;
        e.service = td.decode(rec.service);
        if (e.order === Number.MAX_SAFE_INTEGER) e.order = this.#order++;
        break;
      case RecordKind.REPLY:
        e.rep = loc;
        break;
      case RecordKind.ATTEMPT:
        e.attempts = Math.max(e.attempts, rec.attempts);
        if (e.parked === undefined) e.st = loc;
        break;
      case RecordKind.PARK:
        e.parked = rec.reason;
        e.attempts = Math.max(e.attempts, rec.attempts);
        e.st = loc;
        break;
      case RecordKind.CLOSE:
        e.closed = true;
        e.tomb = loc;
        break;
    }
  }

  /**
   * Ends the replay: drops entries that lost their request (damaged
   * segments) and computes the counts and each segment's live bytes.
   * @returns How many entries were dropped as incomplete.
   */
  finishReplay(): number {
    let dropped = 0;
    for (const s of this.segments.values()) s.live = 0;
    for (const e of [...this.entries.values()]) {
      if (e.closed) {
        if (!LogIndex.hasData(e)) {
          this.entries.delete(e.uuid);
          continue;
        }
        this.#live(e.tomb, 1);
        this.counts.closed++;
        continue;
      }
      if (!e.req && !e.rep) {
        this.entries.delete(e.uuid);
        dropped++;
        continue;
      }
      for (const f of DATA) this.#live(e[f], 1);
      const s = stateOf(e);
      if (s !== "none") this.counts[s]++;
    }
    return dropped;
  }
}
