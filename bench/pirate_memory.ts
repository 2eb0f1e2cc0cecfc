// Memory held by a Paranoid Pirate queue for large requests (issue 11):
// the queue runs as a child process; this process sends --requests
// requests of --size-mb each with no worker connected, then starts an echo
// worker and takes the replies. The queue's resident set (VmRSS) is read
// from /proc before, while the requests wait, right after the last reply,
// and 1 s and 5 s later. Linux only.
//
//   deno run -A bench/pirate_memory.ts                          # ours, caps raised to 128 MiB
//   deno run -A bench/pirate_memory.ts --cap-mb 0               # ours, default caps (refused)
//   deno run -A bench/pirate_memory.ts --queue-script OTHER/examples/pirate/paranoid_pirate_queue.ts
//   unshare -n sh -c 'ip link set lo up; deno run -A bench/pirate_memory.ts --c-ppqueue PATH'
//
// --queue-script runs another checkout's example queue (before/after); it
// must take --frontend/--backend and print a JSON ready line. The guide's C
// ppqueue binds the fixed ports 5555/5556: run it in a private network
// namespace as above. Prints one JSON line per figure, then a table.
import { parseFlags } from "../src/_util/args.ts";
import { DealerSocket, ParanoidPirateWorker, shutdown } from "../mod.ts";
import { silentLogger } from "../mod.ts";

const f = parseFlags(Deno.args, {
  "size-mb": {
    type: "string",
    description: "request size, MB",
    default: "100",
  },
  requests: { type: "string", description: "requests", default: "4" },
  "cap-mb": {
    type: "string",
    description: "queue/worker frame caps, MiB (0: defaults)",
    default: "128",
  },
  "queue-script": { type: "string", description: "another example queue" },
  "c-ppqueue": { type: "string", description: "the guide's C ppqueue binary" },
});
const SIZE = Number(f["size-mb"]) * 1e6;
const N = Number(f.requests);
const CAP = Number(f["cap-mb"]) * 1024 * 1024;
const C = f["c-ppqueue"] as string | undefined;
const SCRIPT = (f["queue-script"] as string | undefined) ??
  new URL("../examples/pirate/paranoid_pirate_queue.ts", import.meta.url)
    .pathname;

function rssMb(pid: number): number {
  const s = Deno.readTextFileSync(`/proc/${pid}/status`);
  const kb = Number(/VmRSS:\s+(\d+)/.exec(s)![1]);
  return Math.round(kb / 102.4) / 10;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startQueue(): Promise<
  { child: Deno.ChildProcess; frontend: string; backend: string; name: string }
> {
  if (C) {
    const child = new Deno.Command(C, { stdout: "null", stderr: "null" })
      .spawn();
    for (let i = 0;; i++) {
      try {
        (await Deno.connect({ hostname: "127.0.0.1", port: 5556 })).close();
        break;
      } catch {
        if (i > 200) throw new Error("C ppqueue did not listen on 5556");
        await sleep(25);
      }
    }
    return {
      child,
      frontend: "tcp://127.0.0.1:5555",
      backend: "tcp://127.0.0.1:5556",
      name: "C ppqueue (zguide)",
    };
  }
  const caps = CAP > 0 && !f["queue-script"]
    ? ["--max-frame-bytes", String(CAP), "--max-message-bytes", String(CAP)]
    : [];
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      SCRIPT,
      "--frontend",
      "tcp://127.0.0.1:*",
      "--backend",
      "tcp://127.0.0.1:*",
      "--log-level",
      "error",
      ...caps,
    ],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error("queue exited before its ready line");
    buf += value;
    const i = buf.indexOf("\n");
    if (i < 0) continue;
    const ready = JSON.parse(buf.slice(0, i));
    void (async () => {
      while (!(await reader.read()).done) { /* drain */ }
    })().catch(() => {});
    return {
      child,
      frontend: ready.frontend,
      backend: ready.backend,
      name: f["queue-script"]
        ? `queue from ${SCRIPT}`
        : `ParanoidPirateQueue (${CAP > 0 ? `caps ${CAP} B` : "default caps"})`,
    };
  }
}

/** RSS once it has stopped growing (stable for 1 s), or after `maxMs`. */
async function settledRss(pid: number, maxMs = 30_000): Promise<number> {
  let last = rssMb(pid), stableSince = performance.now();
  const end = performance.now() + maxMs;
  while (performance.now() < end) {
    await sleep(100);
    const now = rssMb(pid);
    if (Math.abs(now - last) > 1) {
      last = now;
      stableSince = performance.now();
    } else if (performance.now() - stableSince >= 1000) break;
  }
  return rssMb(pid);
}

const q = await startQueue();
const pid = q.child.pid;
const rows: [string, number][] = [];
const rec = (what: string, mb: number) => {
  rows.push([what, mb]);
  console.log(JSON.stringify({
    bench: "pirate-memory",
    queue: q.name,
    what,
    rssMb: mb,
    requests: N,
    sizeBytes: SIZE,
    deno: Deno.version.deno,
    host: Deno.hostname(),
    date: new Date().toISOString(),
  }));
};
try {
  rec("before", await settledRss(pid, 5000));
  const client = new DealerSocket({
    sendHighWaterMark: 0,
    receiveHighWaterMark: 0,
    lingerMs: 0,
  });
  client.connect(q.frontend);
  const body = new Uint8Array(SIZE).fill(7);
  for (let i = 0; i < N; i++) await client.send(["", body]);
  rec(`${N} × ${SIZE / 1e6} MB waiting, no worker`, await settledRss(pid));
  const cap = CAP > 0 ? CAP : undefined;
  // A long liveness on the worker's side: a 100 MB request can take longer
  // than 3 s to arrive on a busy machine, and a 6/PPP queue does not
  // heartbeat a busy worker; this measures memory, not that.
  const worker = await ParanoidPirateWorker.connect(q.backend, (r) => r, {
    liveness: 60,
    logger: silentLogger,
    maxFrameBytes: cap,
    maxMessageBytes: cap,
  });
  let answered = 0;
  try {
    for (; answered < N; answered++) {
      await client.receive({ timeoutMs: CAP > 0 || C ? 120_000 : 3000 });
    }
  } catch {
    // refused by the caps: no replies
  }
  rec(`after ${answered} replies`, rssMb(pid));
  await sleep(1000);
  rec("1 s later", rssMb(pid));
  await sleep(4000);
  rec("5 s later", rssMb(pid));
  client.close();
  await worker.close();
} finally {
  q.child.kill("SIGKILL");
  await q.child.status;
  await shutdown();
}
console.log(`\n${q.name}, ${N} × ${SIZE / 1e6} MB requests\n`);
console.log("| moment | queue RSS (MB) |\n|---|---:|");
for (const [what, mb] of rows) console.log(`| ${what} | ${mb} |`);
