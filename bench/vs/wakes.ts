// Wake-ups, CPU and (PERF=1) system calls per request by thread, for one
// sync run of our broker, worker and client (bench/vs/ours_proc.ts):
//   deno run -A bench/vs/wakes.ts [TREE] [REQUESTS]   (TREE: a checkout, default this one)
// Reactor tuning via RZ_BENCH_REACTOR as for bench:vs. Needs `perf` for PERF=1.
const [tree = new URL("../..", import.meta.url).pathname, nStr] = Deno.args;
const N = Number(nStr ?? 5000);
const script = `${tree}/bench/vs/ours_proc.ts`;
function spawn(args: string[], stdin = false) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, ...args],
    stdout: "piped",
    stderr: "inherit",
    stdin: stdin ? "piped" : "null",
  }).spawn();
}
async function* lines(p: Deno.ChildProcess) {
  const dec = p.stdout.pipeThrough(new TextDecoderStream());
  let buf = "";
  for await (const c of dec) {
    buf += c;
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      yield buf.slice(0, i);
      buf = buf.slice(i + 1);
    }
  }
}
function snap(pid: number) {
  const out: Record<string, { v: number; nv: number; cpu: number }> = {};
  for (const t of Deno.readDirSync(`/proc/${pid}/task`)) {
    const s = Deno.readTextFileSync(`/proc/${pid}/task/${t.name}/status`);
    const st = Deno.readTextFileSync(`/proc/${pid}/task/${t.name}/stat`).split(
      ") ",
    )[1].split(" ");
    const name = s.match(/Name:\s*(.*)/)![1] +
      (t.name === String(pid) ? "(main)" : "");
    const v = Number(s.match(/^voluntary_ctxt_switches:\s*(\d+)/m)![1]);
    const nv = Number(s.match(/nonvoluntary_ctxt_switches:\s*(\d+)/m)![1]);
    const cpu = (Number(st[11]) + Number(st[12])) * 10000;
    const o = out[name] ??= { v: 0, nv: 0, cpu: 0 };
    o.v += v;
    o.nv += nv;
    o.cpu += cpu;
  }
  return out;
}
const broker = spawn(["broker"]);
const bl = lines(broker);
const ep = JSON.parse((await bl.next()).value!).endpoint;
const workers = spawn(["workers", "--endpoint", ep, "--wait-ready"]);
const wl = lines(workers);
await wl.next();
const client = spawn([
  "client",
  "--endpoint",
  ep,
  "--mode",
  "sync",
  "--requests",
  String(N),
  "--warmup",
  "1000",
], true);
const cl = lines(client);
await cl.next();
const pids = { broker: broker.pid, workers: workers.pid, client: client.pid };
const before = Object.fromEntries(
  Object.entries(pids).map(([k, p]) => [k, snap(p)]),
);
const EV =
  "raw_syscalls:sys_enter,syscalls:sys_enter_getpid,syscalls:sys_enter_poll,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_write,syscalls:sys_enter_read,syscalls:sys_enter_futex,syscalls:sys_enter_epoll_ctl,syscalls:sys_enter_sendto,syscalls:sys_enter_recvfrom";
const perfs = Deno.env.get("PERF")
  ? Object.entries(pids).map(([k, p]) =>
    [
      k,
      new Deno.Command("perf", {
        args: ["stat", "-x", ",", "--per-thread", "-e", EV, "-p", String(p)],
        stderr: "piped",
        stdout: "null",
      }).spawn(),
    ] as const
  )
  : [];
if (perfs.length) await new Promise((r) => setTimeout(r, 300));
const w = client.stdin.getWriter();
const t0 = performance.now();
await w.write(new TextEncoder().encode("go\n"));
const done = (await cl.next()).value;
const el = performance.now() - t0;
const after = Object.fromEntries(
  Object.entries(pids).map(([k, p]) => [k, snap(p)]),
);
console.log(`req/s ${(N / el * 1000).toFixed(0)}  ${done?.slice(0, 120)}`);
for (const k of Object.keys(pids)) {
  const parts = [];
  for (const [name, a] of Object.entries(after[k])) {
    const b = before[k][name] ?? { v: 0, nv: 0, cpu: 0 };
    const cpu = (a.cpu - b.cpu) / N;
    if (cpu === 0 && a.v === b.v) continue;
    parts.push(
      `${name}: wakes ${((a.v - b.v) / N).toFixed(2)} inv ${
        ((a.nv - b.nv) / N).toFixed(2)
      } cpu ${cpu.toFixed(0)}us`,
    );
  }
  console.log(k.padEnd(8), parts.join(" | "));
}
for (const [k, p] of perfs) {
  p.kill("SIGINT");
  const o = new TextDecoder().decode((await p.output()).stderr);
  const agg: Record<string, Record<string, number>> = {};
  for (const line of o.split("\n")) {
    const f = line.split(",");
    if (f.length < 4) continue;
    const thread = f[0].replace(/-\d+$/, "");
    const n = Number(f[1]);
    const ev = f[3].replace(/.*sys_enter_?/, "") || "all";
    if (!Number.isFinite(n)) continue;
    (agg[thread] ??= {})[ev] = ((agg[thread] ??= {})[ev] ?? 0) + n;
  }
  for (const [t, evs] of Object.entries(agg)) {
    if ((evs["all"] ?? 0) / N < 0.5) continue;
    console.log(
      `  ${k} ${t}: ` +
        Object.entries(evs).filter(([, n]) => n / N >= 0.05).map(([e, n]) =>
          `${e} ${(n / N).toFixed(1)}`
        ).join(", "),
    );
  }
}
await w.close();
for (const p of [workers, broker]) p.kill("SIGTERM");
await Promise.all([client.status, workers.status, broker.status]);
