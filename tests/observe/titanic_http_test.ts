// `deno task titanic --http`: /healthz, /stats (Titanic's stats) and
// /metrics (every number of them, parsed) next to the broker.
import parsePrometheus from "npm:parse-prometheus-text-format@1.1.1";
import { assert, assertEquals } from "../helpers/assert.ts";
import { MajordomoBroker, shutdown } from "../../mod.ts";
import { spawnTitanic } from "../titanic/_helpers.ts";
import { StatsMetrics } from "../../src/observe/mod.ts";

Deno.test("titanic CLI --http: health, stats and metrics of the store", async () => {
  const broker = await MajordomoBroker.bind("tcp://127.0.0.1:*", {
    heartbeatIntervalMs: 200,
  });
  const dir = await Deno.makeTempDir({ prefix: "rzmq-titanic-http-" });
  const t = await spawnTitanic(broker.endpoints[0], dir, [
    "--http",
    "127.0.0.1:0",
  ]);
  try {
    const url = t.ready.http as string;
    assert(url.startsWith("http://127.0.0.1:"), url);
    const h = await fetch(`${url}healthz`);
    assertEquals([h.status, await h.json()], [200, { status: "serving" }]);
    const stats = await (await fetch(`${url}stats`)).json();
    assertEquals(stats.store.kind, "log");
    const text = await (await fetch(`${url}metrics`)).text();
    const fams = parsePrometheus(text) as {
      name: string;
      type: string;
      metrics: { value: string }[];
    }[];
    const pending = fams.find((f) => f.name === "rzmq_titanic_store_pending");
    assert(pending, text);
    assertEquals(pending.type, "UNTYPED");
    assertEquals(pending.metrics[0].value, String(stats.store.pending));
    const root = await (await fetch(url)).json();
    assertEquals(root.endpoints.includes("/metrics"), true);
  } finally {
    assertEquals((await t.terminate()).code, 0);
    await broker.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    await shutdown();
  }
});

Deno.test("StatsMetrics: nested numbers and booleans, names in snake case; bad prefix refused", () => {
  const m = new StatsMetrics("x", () => ({
    aB: 1,
    nested: { inFlight: 2, ok: true, s: "text", list: [1], nan: NaN },
  }));
  const fams = parsePrometheus(m.prometheus()) as { name: string }[];
  assertEquals(fams.map((f) => f.name), [
    "x_a_b",
    "x_nested_in_flight",
    "x_nested_ok",
  ]);
  let threw = false;
  try {
    new StatsMetrics("bad name", () => ({}));
  } catch (e) {
    threw = e instanceof TypeError;
  }
  assert(threw);
});
