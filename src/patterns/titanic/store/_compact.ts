/**
 * Compaction of one finished log segment: copy its live records to the head
 * of the log (through the normal group commit, so service goes on), wait
 * until the copies are durable, then delete the file. A tombstone is copied
 * only while data of its request remains in another segment. A crash at any
 * point leaves either the old record or both copies, which replay treats
 * the same. Private.
 *
 * @module
 */
import { setImmediate } from "node:timers";
import type { FrameCodec } from "../../../core/types.ts";
import type { FileLayer } from "./file_layer.ts";
import {
  type DataField,
  type Entry,
  type Loc,
  LogIndex,
  type Segment,
} from "./_log_index.ts";
import { RecordKind } from "./_records.ts";
import { scanRecords } from "./_scan.ts";

/** What compaction needs from the store. */
export interface CompactContext {
  readonly index: LogIndex;
  readonly codec: FrameCodec;
  readonly layer: FileLayer;
  readonly dir: string;
  readonly sync: boolean;
  /** Appends a record through the group commit (`onDurable` runs synchronously then). */
  appendRecord(
    frames: Uint8Array[],
    onDurable: (loc: Loc) => void,
  ): Promise<Loc>;
}

const FIELD: Record<number, DataField> = {
  [RecordKind.REQUEST]: "req",
  [RecordKind.REPLY]: "rep",
  [RecordKind.ATTEMPT]: "st",
  [RecordKind.PARK]: "st",
};

const same = (a: Loc | undefined, seg: number, off: number) =>
  a !== undefined && a.seg === seg && a.off === off;

function dataElsewhere(e: Entry, seg: number): boolean {
  return (e.req !== undefined && e.req.seg !== seg) ||
    (e.rep !== undefined && e.rep.seg !== seg) ||
    (e.st !== undefined && e.st.seg !== seg);
}

const CHUNK = 512;

/**
 * Compacts one segment.
 * @param ctx The store's parts.
 * @param seg The segment (not the active one).
 * @returns Records copied and bytes freed.
 */
export async function compactSegment(
  ctx: CompactContext,
  seg: Segment,
): Promise<{ copied: number; freed: number }> {
  const { index, codec } = ctx;
  const bytes = seg.file.readAt(0, seg.size);
  const records: {
    kind: number;
    uuid: string;
    off: number;
    frames: Uint8Array[];
  }[] = [];
  scanRecords(bytes, codec, (rec, off, len) => {
    if (rec.kind === RecordKind.SEGMENT) return;
    records.push({
      kind: rec.kind,
      uuid: rec.uuid,
      off,
      frames: codec.decode(bytes.subarray(off, off + len)),
    });
  });
  const uuids = new Set<string>();
  let copied = 0;
  for (let i = 0; i < records.length; i += CHUNK) {
    const copies: Promise<void>[] = [];
    for (const r of records.slice(i, i + CHUNK)) {
      uuids.add(r.uuid);
      const e = index.entries.get(r.uuid);
      if (!e) continue;
      if (r.kind === RecordKind.CLOSE) {
        if (
          e.closed && same(e.tomb, seg.seq, r.off) && dataElsewhere(e, seg.seq)
        ) {
          copied++;
          copies.push(
            ctx.appendRecord(r.frames, (loc) => {
              if (same(e.tomb, seg.seq, r.off)) index.moveTomb(e, loc);
            }).then(() => {}),
          );
        }
        continue;
      }
      const field = FIELD[r.kind];
      if (!e.closed && same(e[field], seg.seq, r.off)) {
        copied++;
        copies.push(
          ctx.appendRecord(r.frames, (loc) => {
            if (same(e[field], seg.seq, r.off)) index.setLoc(e, field, loc);
          }).then(() => {}),
        );
      }
    }
    await Promise.all(copies);
    await new Promise((r) => setImmediate(r));
  }
  // Every live record is durable elsewhere: the segment can go.
  for (const u of uuids) {
    const e = index.entries.get(u);
    if (e) index.dropSegmentLocs(e, seg.seq);
  }
  index.segments.delete(seg.seq);
  seg.file.close();
  ctx.layer.remove(seg.path);
  if (ctx.sync) await ctx.layer.syncDir(ctx.dir);
  return { copied, freed: seg.size };
}

export { LogIndex };
