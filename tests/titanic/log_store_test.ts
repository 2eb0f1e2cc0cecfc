// The log store beyond the shared contract: torn and corrupt tails, damage
// in the middle of a segment (never misread), compaction (bounded size,
// crash in the middle), write and sync failures.
import { setImmediate } from "node:timers";
import { assert, assertEquals, assertRejects } from "../helpers/assert.ts";
import { StorageError } from "../../src/errors.ts";
import { silentLogger } from "../../src/_util/logger.ts";
import { createFrameCodec } from "../../src/core/mod.ts";
import { newUuid } from "../../src/protocol/tsp/codec.ts";
import { LogStore } from "../../src/patterns/titanic/store/log_store.ts";
import { requestFrames } from "../../src/patterns/titanic/store/_records.ts";
import type { StoreEvent } from "../../src/patterns/titanic/store/events.ts";
import { FaultyFs } from "./_faulty_fs.ts";

const te = new TextEncoder();
const td = new TextDecoder();
const quiet = { logger: silentLogger };

function segments(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name)
    .filter((n) => n.endsWith(".log")).sort().map((n) => `${dir}/${n}`);
}

async function fill(
  store: LogStore,
  n: number,
  prefix = "r",
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const u = newUuid();
    await store.putRequest(u, "echo", [te.encode(`${prefix}${i}`)]);
    ids.push(u);
  }
  return ids;
}

Deno.test("log store: a torn tail is cut at start-up and nothing acknowledged is lost", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "titanic-torn-" });
  try {
    let s = await LogStore.open(dir, quiet);
    const ids = await fill(s, 100);
    await s.close();
    const [seg] = segments(dir);
    const before = Deno.statSync(seg).size;
    // Half of a record that was being written when the power went.
    const rec = createFrameCodec().encode(
      requestFrames(newUuid(), te.encode("echo"), [te.encode("torn")]),
    );
    Deno.writeFileSync(seg, rec.subarray(0, 30), { append: true });
    const events: StoreEvent[] = [];
    s = await LogStore.open(dir, { ...quiet, onEvent: (e) => events.push(e) });
    assertEquals(s.stats.tailBytesCut, 30);
    assertEquals(Deno.statSync(seg).size, before);
    assert(events.some((e) => e.type === "store:tail-cut" && e.bytes === 30));
    for (const [i, u] of ids.entries()) {
      assertEquals(td.decode((await s.readRequest(u))!.body[0]), `r${i}`);
    }
    // Garbage with no valid record after it is a torn tail too.
    const more = await fill(s, 5, "m");
    await s.close();
    Deno.writeFileSync(seg, crypto.getRandomValues(new Uint8Array(500)), {
      append: true,
    });
    s = await LogStore.open(dir, quiet);
    assertEquals(s.stats.tailBytesCut, 500);
    assertEquals(s.stats.pending, 105);
    assertEquals(td.decode((await s.readRequest(more[4]))!.body[0]), "m4");
    await s.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("log store: a damaged record is never misread, even one hiding a forged record", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "titanic-damage-" });
  try {
    let s = await LogStore.open(dir, quiet);
    const before = await fill(s, 10, "a");
    // A hostile body that is itself a complete, valid record for another UUID.
    const forged = newUuid();
    const fake = createFrameCodec().encode(
      requestFrames(forged, te.encode("evil"), [te.encode("forged")]),
    );
    const victim = newUuid();
    await s.putRequest(victim, "echo", [fake]);
    const after = await fill(s, 10, "b");
    await s.close();
    const [seg] = segments(dir);
    const bytes = Deno.readFileSync(seg);
    // Flip one byte of the victim record's header (its frame count): the
    // header CRC fails. The record starts before its 16-byte header, 3
    // frame lengths, the 17-byte kind+UUID frame and "echo".
    const start = indexOf(bytes, fake) - (16 + 3 * 4 + 17 + 4);
    bytes[start + 5] ^= 0xff;
    Deno.writeFileSync(seg, bytes);
    const events: StoreEvent[] = [];
    s = await LogStore.open(dir, { ...quiet, onEvent: (e) => events.push(e) });
    assertEquals(s.stats.damagedSegments, 1);
    assertEquals(
      s.stats.tailBytesCut,
      0,
      "valid records follow: not a tail, nothing cut",
    );
    assertEquals(
      Deno.statSync(seg).size,
      bytes.length,
      "the damaged file is kept as it was",
    );
    assert(events.some((e) => e.type === "store:damaged"));
    assertEquals(
      await s.lookup(forged),
      undefined,
      "the forged record was not read",
    );
    assertEquals(await s.lookup(victim), undefined);
    for (const [i, u] of before.entries()) {
      assertEquals(td.decode((await s.readRequest(u))!.body[0]), `a${i}`);
    }
    for (const u of after) assertEquals(await s.lookup(u), undefined);
    // New writes go to a new segment; a restart reads them.
    const fresh = await fill(s, 3, "c");
    await s.close();
    assertEquals(segments(dir).length, 2);
    s = await LogStore.open(dir, quiet);
    assertEquals(td.decode((await s.readRequest(fresh[2]))!.body[0]), "c2");
    assertEquals(await s.lookup(forged), undefined);
    await s.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) {
      if (hay[i + j] !== needle[j]) continue outer;
    }
    return i;
  }
  throw new Error("not found");
}

Deno.test("log store: compaction keeps the log bounded under request/reply/close traffic", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "titanic-compact-" });
  try {
    let s = await LogStore.open(dir, { ...quiet, maxSegmentBytes: 16384 });
    const keep: string[] = [];
    let maxDisk = 0;
    const body = te.encode("x".repeat(200));
    for (let round = 0; round < 40; round++) {
      const ids = Array.from({ length: 50 }, () => newUuid());
      await Promise.all(ids.map((u) => s.putRequest(u, "echo", [body])));
      await Promise.all(ids.map((u) => s.recordAttempt(u)));
      await Promise.all(ids.map((u) => s.putReply(u, [te.encode(`re:${u}`)])));
      // One request per round stays open for good (a slow client).
      keep.push(ids.pop()!);
      await Promise.all(ids.map((u) => s.remove(u)));
      await s.compact();
      maxDisk = Math.max(maxDisk, s.stats.diskBytes);
    }
    const st = s.stats;
    assert(st.compactions > 10, `compactions ${st.compactions}`);
    // 2,000 requests of ~300 B went through (about 1.5 MB of records); the
    // 40 kept ones need about 20 KB. The log stays within a few segments.
    assert(maxDisk < 6 * 16384, `max disk ${maxDisk}`);
    assertEquals(st.replied, 40);
    for (const u of keep) {
      assertEquals(td.decode((await s.readReply(u))![0]), `re:${u}`);
    }
    await s.close();
    s = await LogStore.open(dir, quiet);
    assertEquals([s.stats.pending, s.stats.replied, s.stats.parked], [
      0,
      40,
      0,
    ]);
    for (const u of keep) {
      assertEquals(td.decode((await s.readReply(u))![0]), `re:${u}`);
    }
    await s.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("log store: a crash in the middle of compaction loses nothing and resurrects nothing", async () => {
  for (let cut = 1; cut <= 40; cut += 3) {
    const fs = new FaultyFs();
    const opts = { ...quiet, maxSegmentBytes: 4096, fileLayer: fs.process() };
    const s = await LogStore.open("/t", opts);
    const open: string[] = [];
    const closed: string[] = [];
    for (let i = 0; i < 60; i++) {
      const u = newUuid();
      await s.putRequest(u, "echo", [te.encode(`q${u}`)]);
      if (i % 3 === 0) {
        open.push(u);
        if (i % 2 === 0) await s.putReply(u, [te.encode(`re${u}`)]);
      } else {
        await s.remove(u);
        closed.push(u);
      }
    }
    // Crash (process killed) after `cut` more file operations.
    fs.cutAfterOps = cut;
    try {
      await s.compact();
      for (let i = 0; i < 10; i++) {
        await s.putRequest(newUuid(), "echo", [te.encode("z")]);
      }
    } catch {
      // the process died
    }
    fs.crash(); // killed now, if the cut did not come
    const again = await LogStore.open("/t", {
      ...opts,
      fileLayer: fs.process(),
    });
    for (const u of open) {
      const st = await again.lookup(u);
      assert(st !== undefined, `open request lost (cut ${cut})`);
      if (st.state === "replied") {
        assertEquals(td.decode((await again.readReply(u))![0]), `re${u}`);
      } else {
        assertEquals(td.decode((await again.readRequest(u))!.body[0]), `q${u}`);
      }
    }
    for (const u of closed) {
      assertEquals(
        await again.lookup(u),
        undefined,
        `resurrected (cut ${cut})`,
      );
    }
    await again.compact();
    for (const u of open) assert(await again.lookup(u));
    await again.close();
  }
});

Deno.test("log store: a full disk fails the writes of that commit, keeps what it has, and recovers", async () => {
  const fs = new FaultyFs();
  const opts = { ...quiet, fileLayer: fs.process() };
  const s = await LogStore.open("/t", opts);
  const ids = await fill(s, 20);
  fs.spaceLeft = 100;
  const results = await Promise.allSettled(
    Array.from(
      { length: 10 },
      () => s.putRequest(newUuid(), "echo", [te.encode("y".repeat(50))]),
    ),
  );
  assertEquals(results.filter((r) => r.status === "rejected").length, 10);
  for (const r of results) {
    if (r.status === "rejected") assert(r.reason instanceof StorageError);
  }
  assertEquals(s.stats.failedWrites, 10);
  for (const [i, u] of ids.entries()) {
    assertEquals(td.decode((await s.readRequest(u))!.body[0]), `r${i}`);
  }
  fs.spaceLeft = Infinity;
  const later = await fill(s, 5, "later");
  await s.close();
  const again = await LogStore.open("/t", { ...opts, fileLayer: fs.process() });
  assertEquals(again.stats.pending, 25);
  assertEquals(
    again.stats.tailBytesCut,
    0,
    "the partial write was cut back at once",
  );
  assertEquals(
    td.decode((await again.readRequest(later[4]))!.body[0]),
    "later4",
  );
  await again.close();
});

Deno.test("log store: a failed sync refuses its commit; a failed cut makes the log read-only", async () => {
  const fs = new FaultyFs();
  const s = await LogStore.open("/t", { ...quiet, fileLayer: fs.process() });
  const ids = await fill(s, 5);
  fs.failSyncs = 1;
  await assertRejects(
    () => s.putRequest(newUuid(), "echo", [te.encode("q")]),
    StorageError,
  );
  const ok = await fill(s, 1, "ok");
  fs.spaceLeft = 10;
  fs.failTruncate = true;
  await assertRejects(
    () => s.putRequest(newUuid(), "echo", [te.encode("q".repeat(40))]),
    StorageError,
  );
  fs.spaceLeft = Infinity;
  const err = await s.putRequest(newUuid(), "echo", [te.encode("q")]).then(
    () => null,
    (e) => e,
  );
  assert(err instanceof StorageError);
  assertEquals(err.operation, "truncate");
  assertEquals(td.decode((await s.readRequest(ids[0]))!.body[0]), "r0");
  assertEquals(td.decode((await s.readRequest(ok[0]))!.body[0]), "ok0");
  await s.close();
});

Deno.test("log store: sequential writes never stall (with and without sync)", async () => {
  for (const sync of [true, false]) {
    const fs = new FaultyFs();
    const s = await LogStore.open("/t", {
      ...quiet,
      sync,
      fileLayer: fs.process(),
    });
    for (let i = 0; i < 300; i++) {
      const u = newUuid();
      await s.putRequest(u, "echo", [te.encode("a")]);
      await s.putReply(u, [te.encode("b")]);
      await s.remove(u);
    }
    assertEquals(s.stats.writes, 900);
    await s.close();
  }
});

Deno.test("log store: pipelines racing rolls and compactions never lose an entry", async () => {
  // Regression: a record made durable in the flush that also rolled the
  // segment was not yet in the index when compaction scanned that segment.
  for (const sync of [true, false]) {
    const fs = new FaultyFs();
    const s = await LogStore.open("/t", {
      ...quiet,
      sync,
      maxSegmentBytes: 4096,
      compactRatio: 0.99,
      fileLayer: fs.process(),
    });
    let lost = 0;
    await Promise.all(Array.from({ length: 8 }, async (_, k) => {
      for (let i = 0; i < 150; i++) {
        const u = newUuid();
        await s.putRequest(u, "echo", [te.encode(`p${k}-${i}`.padEnd(100))]);
        if ((await s.lookup(u))?.state !== "pending") lost++;
        await s.recordAttempt(u);
        await s.putReply(u, [te.encode("r".repeat(100))]);
        const r = await s.readReply(u).catch(() => undefined);
        if (r === undefined) lost++;
        await s.remove(u);
        await new Promise((r) => setImmediate(r)); // as socket I/O would
      }
    }));
    assertEquals(lost, 0, `sync ${sync}`);
    assert(s.stats.compactions > 10, `compactions ${s.stats.compactions}`);
    await s.close();
  }
});
