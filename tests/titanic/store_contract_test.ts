// The contract every Titanic store keeps, run against each backend: the log
// store on real files, the log store on the in-memory fault-injecting layer
// (no faults armed), and the SQLite store.
import { assert, assertEquals, assertRejects } from "../helpers/assert.ts";
import { ClosedError, StorageError } from "../../src/errors.ts";
import { silentLogger } from "../../src/_util/logger.ts";
import { newUuid } from "../../src/protocol/tsp/codec.ts";
import { LogStore } from "../../src/patterns/titanic/store/log_store.ts";
import { SqliteStore } from "../../src/patterns/titanic/store/sqlite_store.ts";
import type { TitanicStore } from "../../src/patterns/titanic/store/types.ts";
import { FaultyFs } from "./_faulty_fs.ts";

const te = new TextEncoder();
const td = new TextDecoder();
const text = (frames: Uint8Array[] | undefined) =>
  frames?.map((f) => td.decode(f));

interface Backend {
  name: string;
  /** Makes a place for a store; returns its open function. */
  make(): { open(): Promise<TitanicStore>; cleanup(): void };
}

const BACKENDS: Backend[] = [
  {
    name: "log on files",
    make() {
      const dir = Deno.makeTempDirSync({ prefix: "titanic-log-" });
      return {
        open: () => LogStore.open(dir, { logger: silentLogger }),
        cleanup: () => Deno.removeSync(dir, { recursive: true }),
      };
    },
  },
  {
    name: "log on the fault-injecting layer",
    make() {
      const fs = new FaultyFs();
      return {
        open: () =>
          LogStore.open("/store", { fileLayer: fs, logger: silentLogger }),
        cleanup: () => {},
      };
    },
  },
  {
    name: "sqlite",
    make() {
      const dir = Deno.makeTempDirSync({ prefix: "titanic-sqlite-" });
      return {
        open: () => SqliteStore.open(dir, { logger: silentLogger }),
        cleanup: () => Deno.removeSync(dir, { recursive: true }),
      };
    },
  },
];

for (const backend of BACKENDS) {
  const name = (what: string) => `store contract (${backend.name}): ${what}`;

  Deno.test(name("a stored request is pending and readable"), async () => {
    const place = backend.make();
    const s = await place.open();
    try {
      const u = newUuid();
      assertEquals(await s.lookup(u), undefined);
      await s.putRequest(u, "echo", [
        te.encode("a"),
        new Uint8Array(0),
        te.encode("c"),
      ]);
      assertEquals(await s.lookup(u), {
        state: "pending",
        service: "echo",
        attempts: 0,
      });
      const r = await s.readRequest(u);
      assertEquals(r?.service, "echo");
      assertEquals(text(r?.body), ["a", "", "c"]);
      assertEquals(await s.readReply(u), undefined);
      assertEquals((await s.pending()).map((p) => p.uuid), [u]);
      assertEquals(s.stats.pending, 1);
    } finally {
      await s.close();
      place.cleanup();
    }
  });

  Deno.test(
    name("a reply is stored once and read back the same every time"),
    async () => {
      const place = backend.make();
      const s = await place.open();
      try {
        const u = newUuid();
        await s.putRequest(u, "echo", [te.encode("q")]);
        assertEquals(
          await s.putReply(u, [te.encode("r1"), te.encode("r2")]),
          true,
        );
        assertEquals(await s.putReply(u, [te.encode("other")]), false);
        for (let i = 0; i < 3; i++) {
          assertEquals(text(await s.readReply(u)), ["r1", "r2"]);
        }
        assertEquals((await s.lookup(u))?.state, "replied");
        assertEquals(await s.readRequest(u), undefined);
        assertEquals(await s.pending(), []);
        assertEquals(await s.putReply(newUuid(), [te.encode("x")]), false);
        assertEquals([s.stats.pending, s.stats.replied], [0, 1]);
      } finally {
        await s.close();
        place.cleanup();
      }
    },
  );

  Deno.test(
    name("attempts are counted and parking ends dispatch"),
    async () => {
      const place = backend.make();
      const s = await place.open();
      try {
        const u = newUuid();
        await s.putRequest(u, "svc", [te.encode("q")]);
        assertEquals(await s.recordAttempt(u), 1);
        assertEquals(await s.recordAttempt(u), 2);
        assertEquals((await s.readRequest(u))?.attempts, 2);
        assertEquals(await s.park(u, "no reply after 2 attempts"), true);
        assertEquals(await s.lookup(u), {
          state: "parked",
          service: "svc",
          attempts: 2,
          reason: "no reply after 2 attempts",
        });
        assertEquals(await s.recordAttempt(u), -1);
        assertEquals(await s.putReply(u, [te.encode("late")]), false);
        assertEquals(await s.park(u, "again"), false);
        assertEquals(await s.readRequest(u), undefined);
        assertEquals(await s.recordAttempt(newUuid()), -1);
        assertEquals([s.stats.pending, s.stats.parked], [0, 1]);
      } finally {
        await s.close();
        place.cleanup();
      }
    },
  );

  Deno.test(name("remove is idempotent and final"), async () => {
    const place = backend.make();
    const s = await place.open();
    try {
      const [a, b] = [newUuid(), newUuid()];
      await s.putRequest(a, "echo", [te.encode("a")]);
      await s.putRequest(b, "echo", [te.encode("b")]);
      await s.putReply(b, [te.encode("B")]);
      await s.remove(a);
      await s.remove(a);
      await s.remove(b);
      await s.remove(newUuid());
      for (const u of [a, b]) {
        assertEquals(await s.lookup(u), undefined);
        assertEquals(await s.readRequest(u), undefined);
        assertEquals(await s.readReply(u), undefined);
        assertEquals(await s.putReply(u, [te.encode("late")]), false);
        assertEquals(await s.recordAttempt(u), -1);
      }
      assertEquals([s.stats.pending, s.stats.replied, s.stats.parked], [
        0,
        0,
        0,
      ]);
    } finally {
      await s.close();
      place.cleanup();
    }
  });

  Deno.test(
    name("everything survives a clean reopen, pending in arrival order"),
    async () => {
      const place = backend.make();
      let s = await place.open();
      const ids = Array.from({ length: 50 }, () => newUuid());
      try {
        for (const u of ids) {
          await s.putRequest(u, `svc${ids.indexOf(u) % 3}`, [te.encode(u)]);
        }
        await s.putReply(ids[1], [te.encode("one")]);
        await s.recordAttempt(ids[2]);
        await s.recordAttempt(ids[2]);
        await s.park(ids[3], "poison");
        await s.remove(ids[4]);
        await s.close();
        s = await place.open();
        assertEquals(text(await s.readReply(ids[1])), ["one"]);
        assertEquals((await s.lookup(ids[2]))?.attempts, 2);
        assertEquals(await s.recordAttempt(ids[2]), 3);
        assertEquals((await s.lookup(ids[3]))?.state, "parked");
        assertEquals(await s.lookup(ids[4]), undefined);
        const pending = await s.pending();
        assertEquals(
          pending.map((p) => p.uuid),
          ids.filter((_, i) => i !== 1 && i !== 3 && i !== 4),
        );
        assertEquals(pending[0].service, "svc0");
        assertEquals(text((await s.readRequest(ids[10]))?.body), [ids[10]]);
        assertEquals([s.stats.pending, s.stats.replied, s.stats.parked], [
          47,
          1,
          1,
        ]);
      } finally {
        await s.close();
        place.cleanup();
      }
    },
  );

  Deno.test(name("concurrent writes share commits"), async () => {
    const place = backend.make();
    const s = await place.open();
    try {
      const ids = Array.from({ length: 300 }, () => newUuid());
      await Promise.all(
        ids.map((u) => s.putRequest(u, "echo", [te.encode(u)])),
      );
      const st = s.stats;
      assertEquals(st.pending, 300);
      assert(st.writes >= 300, `writes ${st.writes}`);
      assert(st.maxBatch > 1, `maxBatch ${st.maxBatch}`);
      assert(
        st.commits < st.writes,
        `commits ${st.commits} writes ${st.writes}`,
      );
      for (const u of ids) {
        assertEquals(text((await s.readRequest(u))?.body), [u]);
      }
    } finally {
      await s.close();
      place.cleanup();
    }
  });

  Deno.test(name("large and empty frames round-trip"), async () => {
    const place = backend.make();
    const s = await place.open();
    try {
      const u = newUuid();
      const big = new Uint8Array(1 << 20).map((_, i) => (i * 7919) & 255);
      await s.putRequest(u, "echo", [big, new Uint8Array(0)]);
      const r = await s.readRequest(u);
      assertEquals(r?.body.length, 2);
      assertEquals(r?.body[0], big);
      assertEquals(r?.body[1].length, 0);
      await s.putReply(u, [new Uint8Array(0)]);
      assertEquals((await s.readReply(u))?.map((f) => f.length), [0]);
    } finally {
      await s.close();
      place.cleanup();
    }
  });

  Deno.test(
    name("one store per directory; a closed store refuses work"),
    async () => {
      const place = backend.make();
      const s = await place.open();
      try {
        await assertRejects(() => place.open(), StorageError);
      } finally {
        await s.close();
        await s.close();
      }
      await assertRejects(
        () => s.putRequest(newUuid(), "echo", [te.encode("x")]),
        ClosedError,
      );
      const again = await place.open();
      await again.close();
      place.cleanup();
    },
  );
}
