// The broker CLI (`deno task broker`) as a user meets it: every bad flag
// value exits 2 with one line and the usage (never a stack trace), --version,
// --log-format for every line, a stats line only when something changed,
// and the frame cap's refusals counted and logged.
import { shutdown } from "../../mod.ts";
import { spawnChild } from "../helpers/spawn.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { correlationFrame } from "../../src/patterns/majordomo/correlation.ts";
import { BROKER, Peer, show, until } from "./_helpers.ts";

const BAD: string[][] = [
  ["--heartbeat-ms", "abc"],
  ["--heartbeat-ms", "0"],
  ["--heartbeat-ms", "3000000000"],
  ["--liveness", "x"],
  ["--liveness", "0"],
  ["--liveness", "1001"],
  ["--request-ttl-ms", "soon"],
  ["--request-ttl-ms", "0"],
  ["--max-queue", "abc"],
  ["--max-queue", "-1"],
  ["--max-pending-requests", "1.5"],
  ["--max-pending-bytes", "abc"],
  ["--max-services", "0"],
  ["--max-workers", "0"],
  ["--max-frame-bytes", "0"],
  ["--max-frame-bytes", "99999999999"],
  ["--core", "gpu"],
  ["--spin-us", "abc"],
  ["--spin-us", "2000000"],
  ["--stats-ms", "-5"],
  ["--log-level", "loud"],
  ["--log-format", "xml"],
  ["--bind", "nonsense"],
  ["--keep-busy-workers=yes"],
  ["--bogus"],
  ["extra"],
];

Deno.test("deno task broker: every bad flag value exits 2 with one line and the usage", async () => {
  const run = async (args: string[]) => {
    const child = await spawnChild(BROKER, { args, waitReady: false });
    const status = await child.exited;
    const err = child.stderrText();
    const what = `${args.join(" ")} -> ${err}`;
    assertEquals(status.code, 2, what);
    const [first] = err.split("\n");
    assert(first.startsWith("broker: "), what);
    const flag = args[0].replace(/=.*/, "");
    assert(
      first.includes(flag.startsWith("--") ? flag.slice(2) : flag),
      `names ${flag}: ${first}`,
    );
    assert(err.includes("Usage: deno task broker"), what);
    assert(!/^\s+at /m.test(err) && !err.includes("Uncaught"), what);
    assertEquals(child.stdoutLines.length, 0, what);
  };
  // A few at a time: each is a Deno process.
  for (let i = 0; i < BAD.length; i += 4) {
    await Promise.all(BAD.slice(i, i + 4).map(run));
  }
});

Deno.test("deno task broker: --version, --help", async () => {
  const v = await spawnChild(BROKER, { args: ["--version"], waitReady: false });
  assertEquals((await v.exited).code, 0);
  const config = JSON.parse(
    await Deno.readTextFile(new URL("../../deno.json", import.meta.url)),
  );
  assertEquals(v.stdoutLines, [`reliable-zmq broker ${config.version}`]);
  const h = await spawnChild(BROKER, { args: ["--help"], waitReady: false });
  assertEquals((await h.exited).code, 0);
  assert(h.stdoutLines.some((l) => l.includes("--log-format")));
});

Deno.test("deno task broker: --log-format json and text apply to the ready and stats lines", async () => {
  await using json = await spawnChild(BROKER, {
    args: ["--bind", "tcp://127.0.0.1:*", "--stats-ms", "50"],
  });
  const ready = JSON.parse(json.stdoutLines[0]);
  assertEquals([ready.event, ready.msg, ready.level], [
    "ready",
    "ready",
    "info",
  ]);
  assert(typeof ready.time === "string" && typeof ready.instance === "string");
  const p = new Peer(json.endpoint);
  assertEquals(await p.mmi("echo"), "404");
  p.close();
  const stats = JSON.parse(
    await json.waitForLine((l) => l.includes('"msg":"stats"')),
  );
  assertEquals(stats.requests, 1);

  const text = await spawnChild(BROKER, {
    args: [
      "--bind",
      "tcp://127.0.0.1:*",
      "--stats-ms",
      "50",
      "--log-format",
      "text",
    ],
    waitReady: false,
  });
  const line = await text.waitForLine((l) => l.includes(" ready "));
  assert(
    /^\S+Z INFO \[broker\] ready .*endpoint=tcp:\/\/127\.0\.0\.1:\d+/.test(
      line,
    ),
    line,
  );
  const ep = line.match(/endpoint=(\S+)/)![1];
  const q = new Peer(ep);
  assertEquals(await q.mmi("echo"), "404");
  q.close();
  const s = await text.waitForLine((l) => l.includes(" stats "));
  assert(/ requests=1 /.test(s), s);
  text.signal("SIGTERM");
  assertEquals((await text.exited).code, 0);
  // Diagnostics follow the format too.
  assert(text.stderrText().includes("INFO [broker] SIGTERM: shutting down"));
  assert(text.stderrText().split("\n").every((l) => !l.startsWith("{")));
});

Deno.test("deno task broker: the stats line is printed only when something changed (every interval at debug)", async () => {
  await using quiet = await spawnChild(BROKER, {
    args: ["--bind", "tcp://127.0.0.1:*", "--stats-ms", "40"],
  });
  const p = new Peer(quiet.endpoint);
  assertEquals(await p.mmi("echo"), "404");
  p.close();
  await quiet.waitForLine((l) => l.includes('"msg":"stats"'));
  // While `quiet` is idle, a debug broker prints a line every interval.
  await using chatty = await spawnChild(BROKER, {
    args: [
      "--bind",
      "tcp://127.0.0.1:*",
      "--stats-ms",
      "40",
      "--log-level",
      "debug",
    ],
  });
  const count = (c: typeof chatty) =>
    c.stdoutLines.filter((l) => l.includes('"msg":"stats"')).length;
  await until(() => count(chatty) >= 5, 20000, "5 debug stats lines");
  assertEquals(count(quiet), 1);
});

Deno.test("deno task broker: a frame over --max-frame-bytes is refused, counted and logged", async () => {
  await using broker = await spawnChild(BROKER, {
    args: [
      "--bind",
      "tcp://127.0.0.1:*",
      "--max-frame-bytes",
      "1000",
      "--stats-ms",
      "50",
    ],
  });
  const c = new Peer(broker.endpoint);
  await c.send(["", "MDPC01", "echo", correlationFrame(5), "x".repeat(1500)]);
  const m = show(await c.recv());
  assertEquals(m.slice(0, 3), ["", "MDPC01", "echo"]);
  assertEquals([m[3], m[4]], ["0xff525a450000000000000005", "503"]);
  c.close();
  const s = await broker.waitForLine((l) => l.includes('"msg":"stats"'));
  assertEquals(JSON.parse(s).oversize, 1);
  await until(
    () => broker.stderrText().includes("frame over maxFrameBytes"),
    10000,
    "the warning",
  );
  await shutdown();
});
