/**
 * The transport's per-message path, in one process (issue 18, item 2): FFI
 * calls per frame and nanoseconds per frame for sending and receiving
 * 7/MDP-shaped messages over `inproc://` (no network, no I/O thread: what is
 * measured is the JavaScript and FFI path between our code and libzmq).
 *
 *     deno run -A bench/transport/frames.ts [--root DIR] [--messages N]
 *       [--rounds R] [--json]
 *
 * `--root` runs the same benchmark against another checkout (e.g.
 * `/work/wt-base` for the "before"), so both are measured back to back by
 * `deno task bench:frames` (which runs this file for each root given with
 * `--compare DIR`, alternating rounds).
 *
 * Shapes (the frames a Majordomo broker's ROUTER sees):
 * - `worker request` out: ROUTER sends 7 frames
 *   `[workerId, "", "MDPW01", 0x02, clientId, "", body]` (strings as given
 *   by the broker: the protocol header and the empty frames);
 * - `client request` in: ROUTER receives 5 frames
 *   `[clientId, "", "MDPC01", service, body]`;
 * - `worker reply` in: 7 frames `[workerId, "", "MDPW01", 0x03, clientId, "", body]`.
 *
 * FFI calls are counted by wrapping every libzmq and libc symbol in a
 * separate counting pass (the timed pass runs unwrapped).
 *
 * @module
 */
function flag(name: string): string | undefined {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Deno.args[i + 1] : undefined;
}
const args = {
  root: flag("root"),
  compare: flag("compare"),
  messages: flag("messages") ?? "20000",
  rounds: flag("rounds") ?? "3",
  json: Deno.args.includes("--json"),
  child: Deno.args.includes("--child"),
};

const HERE = new URL("../../", import.meta.url).pathname;

if (!args.child) {
  // Driver: run each root in a child process, alternating, and print a table.
  const roots: { name: string; dir: string }[] = [{
    name: "this",
    dir: args.root ?? HERE,
  }];
  if (args.compare) roots.unshift({ name: "compare", dir: args.compare });
  const rounds = Number(args.rounds);
  const results = new Map<string, Result[][]>();
  const counted = new Map<string, Result[]>();
  const child = async (dir: string, count: boolean): Promise<Result[]> => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL(import.meta.url).pathname,
        "--child",
        "--root",
        dir,
        "--messages",
        args.messages,
        ...(count ? ["--count"] : []),
      ],
      stdout: "piped",
      stderr: "inherit",
    }).output();
    if (!out.success) throw new Error(`child for ${dir} failed`);
    return JSON.parse(new TextDecoder().decode(out.stdout)) as Result[];
  };
  for (const root of roots) counted.set(root.dir, await child(root.dir, true));
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? roots : [...roots].reverse();
    for (const root of order) {
      const list = results.get(root.dir) ?? [];
      list.push(await child(root.dir, false));
      results.set(root.dir, list);
    }
  }
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
  };
  const rows: string[] = [];
  rows.push(
    "| tree | case | frames/msg | FFI calls/frame | ns/frame (median) | ns/frame (min-max) |",
  );
  rows.push("|---|---|---:|---:|---:|---:|");
  const summary: Record<string, Record<string, number>> = {};
  for (const root of roots) {
    const list = results.get(root.dir)!;
    for (let c = 0; c < list[0].length; c++) {
      const ns = list.map((l) => l[c].nsPerFrame);
      const r0 = list[0][c];
      r0.ffiPerFrame = counted.get(root.dir)![c].ffiPerFrame;
      r0.calls = counted.get(root.dir)![c].calls;
      (summary[root.dir] ??= {})[r0.name] = median(ns);
      rows.push(
        `| ${root.dir} | ${r0.name} | ${r0.frames} | ${
          r0.ffiPerFrame.toFixed(2)
        } | ${median(ns).toFixed(0)} | ${Math.min(...ns).toFixed(0)}-${
          Math.max(...ns).toFixed(0)
        } |`,
      );
    }
  }
  if (roots.length === 2) {
    rows.push("");
    rows.push("| case | this ÷ compare (ns/frame) |");
    rows.push("|---|---:|");
    for (const name of Object.keys(summary[roots[1].dir])) {
      rows.push(
        `| ${name} | ${
          (summary[roots[1].dir][name] / summary[roots[0].dir][name]).toFixed(2)
        } |`,
      );
    }
  }
  rows.push("");
  rows.push("FFI calls per message, by symbol:");
  for (const root of roots) {
    for (const r of counted.get(root.dir)!) {
      rows.push(
        `- ${root.name} ${r.name}: ${
          Object.entries(r.calls).map(([k, v]) => `${k} ${v.toFixed(2)}`)
            .join(", ")
        }`,
      );
    }
  }
  console.log(rows.join("\n"));
  if (args.json) console.log(JSON.stringify(Object.fromEntries(results)));
  Deno.exit(0);
}

interface Result {
  name: string;
  frames: number;
  nsPerFrame: number;
  ffiPerFrame: number;
  calls: Record<string, number>;
}

const root = args.root!.endsWith("/") ? args.root! : args.root! + "/";
const mod = await import(`file://${root}mod.ts`);
const { lib } = await import(`file://${root}src/transport/libzmq.ts`);
const N = Number(args.messages);
const enc = new TextEncoder();

const counts: Record<string, number> = {};
let counting = false;
// deno-lint-ignore no-explicit-any
function wrap(symbols: any): any {
  const out: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(symbols)) {
    if (typeof f !== "function") {
      out[k] = f;
      continue;
    }
    const fn = f as (...a: unknown[]) => unknown;
    out[k] = (...a: unknown[]) => {
      if (counting) counts[k] = (counts[k] ?? 0) + 1;
      return fn(...a);
    };
  }
  return out;
}

const opts = { sendHighWaterMark: 0, receiveHighWaterMark: 0 };
let seq = 0;
function pair() {
  const ep = `inproc://frames-${seq++}`;
  const router = new mod.RouterSocket(opts);
  router.bind(ep);
  const dealer = new mod.DealerSocket({ ...opts, routingId: "W0001" });
  dealer.connect(ep);
  return { router, dealer };
}

const body = enc.encode("hello world");
const clientId = new Uint8Array([0, 0x6b, 0x8b, 0x45, 0x67]);
const workerId = enc.encode("W0001");

async function cases(): Promise<
  { name: string; frames: number; run: () => Promise<void> }[]
> {
  const { router, dealer } = pair();
  // Let the inproc connection settle: one round trip.
  dealer.trySend(["hi"]);
  const [id] = await router.receive();
  if (new TextDecoder().decode(id) !== "W0001") throw new Error("bad id");
  const sinkBytes = new Uint8Array(4096);
  const sink = {
    bytes: sinkBytes,
    lengths: new Uint32Array(16),
    prepare() {},
    commit() {},
  };
  return [
    {
      name: "send 7 frames (ROUTER, worker request)",
      frames: 7,
      run: async () => {
        for (let i = 0; i < N; i++) {
          if (
            !router.trySend([
              workerId,
              "",
              "MDPW01",
              new Uint8Array([2]),
              clientId,
              "",
              body,
            ])
          ) throw new Error("send refused");
        }
        // drain on the dealer (not timed separately)
        await Promise.resolve();
      },
    },
    {
      name: "receive 6 frames (DEALER, worker request) tryReceive",
      frames: 6,
      run: async () => {
        for (let i = 0; i < N; i++) {
          const m = dealer.tryReceive();
          if (m === null || m.length !== 6) throw new Error("missing");
        }
        await Promise.resolve();
      },
    },
    {
      name: "send 6 frames (DEALER, worker reply)",
      frames: 6,
      run: async () => {
        for (let i = 0; i < N; i++) {
          if (
            !dealer.trySend([
              "",
              "MDPW01",
              new Uint8Array([3]),
              clientId,
              "",
              body,
            ])
          ) throw new Error("send refused");
        }
        await Promise.resolve();
      },
    },
    {
      name: "receive 7 frames (ROUTER, worker reply) receiveInto",
      frames: 7,
      run: async () => {
        for (let i = 0; i < N; i++) {
          if (router.tryReceiveInto(sink) !== 7) throw new Error("missing");
        }
        await Promise.resolve();
      },
    },
  ];
}

const results: Result[] = [];
if (!Deno.args.includes("--count")) {
  // Timed pass, with the symbols as loaded.
  const list = await cases();
  for (const c of list) {
    const t0 = performance.now();
    await c.run();
    const t1 = performance.now();
    results.push({
      name: c.name,
      frames: c.frames,
      nsPerFrame: ((t1 - t0) * 1e6) / (N * c.frames),
      ffiPerFrame: 0,
      calls: {},
    });
  }
} else {
  // Counting pass (another process): every symbol wrapped before any socket.
  const l = lib();
  l.zmq = wrap(l.zmq);
  l.libc = wrap(l.libc);
  const list = await cases();
  for (const c of list) {
    for (const key of Object.keys(counts)) delete counts[key];
    counting = true;
    await c.run();
    counting = false;
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    results.push({
      name: c.name,
      frames: c.frames,
      nsPerFrame: 0,
      ffiPerFrame: total / (N * c.frames),
      calls: Object.fromEntries(
        Object.entries(counts).map(([n, v]) => [n, v / N]),
      ),
    });
  }
}
console.log(JSON.stringify(results));
await mod.shutdown();
Deno.exit(0);
