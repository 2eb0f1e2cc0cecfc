// Child processes for bench/vs: spawn with line-read stdout, keep the tail of
// stderr for error messages, read CPU counters from /proc, count system calls
// with `perf stat` attached over exactly the timed window, and stop them all.
//
// Every child is registered, and killAll() (called on exit, on error and on
// SIGINT/SIGTERM) leaves none behind.

/** A running child. */
export interface Proc {
  /** Which part of the stack it is ("broker", "worker", "client", ...). */
  role: string;
  /** A label for messages. */
  name: string;
  pid: number;
  child: Deno.ChildProcess;
  /** Next stdout line, or null at end of stream. */
  nextLine(): Promise<string | null>;
  /** Last stderr bytes, for error messages. */
  stderrTail(): string;
  /** Waits for a stderr line matching `re` (checked as stderr arrives). */
  stderrMatch(re: RegExp): Promise<RegExpMatchArray>;
  /** Writes to stdin (only for children spawned with stdin). */
  write(text: string): Promise<void>;
  /** Closes stdin. */
  closeStdin(): Promise<void>;
  exited: Promise<Deno.CommandStatus>;
}

const live = new Set<Proc>();

/** Spawns a child; stdin piped when `stdin` is true. */
export function spawn(
  role: string,
  name: string,
  cmd: string,
  args: string[],
  opts: { env?: Record<string, string>; stdin?: boolean } = {},
): Proc {
  const child = new Deno.Command(cmd, {
    args,
    env: { DENO_NO_UPDATE_CHECK: "1", ...opts.env },
    stdin: opts.stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  const waiters: ((l: string | null) => void)[] = [];
  let ended = false;
  void (async () => {
    let buf = "";
    const dec = new TextDecoder();
    try {
      for await (const chunk of child.stdout) {
        buf += dec.decode(chunk, { stream: true });
        let i;
        while ((i = buf.indexOf("\n")) >= 0) {
          const l = buf.slice(0, i);
          buf = buf.slice(i + 1);
          const w = waiters.shift();
          if (w) w(l);
          else lines.push(l);
        }
      }
    } catch { /* closed */ }
    ended = true;
    for (const w of waiters.splice(0)) w(null);
  })();
  let err = "";
  const matchers: { re: RegExp; resolve(m: RegExpMatchArray): void }[] = [];
  void (async () => {
    const dec = new TextDecoder();
    try {
      for await (const chunk of child.stderr) {
        err = (err + dec.decode(chunk, { stream: true })).slice(-8192);
        for (const m of [...matchers]) {
          const r = err.match(m.re);
          if (r) {
            matchers.splice(matchers.indexOf(m), 1);
            m.resolve(r);
          }
        }
      }
    } catch { /* closed */ }
  })();
  const writer = opts.stdin ? child.stdin.getWriter() : null;
  const p: Proc = {
    role,
    name,
    pid: child.pid,
    child,
    nextLine: () => {
      if (lines.length) return Promise.resolve(lines.shift()!);
      if (ended) return Promise.resolve(null);
      return new Promise((r) => waiters.push(r));
    },
    stderrTail: () => err.slice(-2000),
    stderrMatch: (re) => {
      const r = err.match(re);
      if (r) return Promise.resolve(r);
      return new Promise((resolve) => matchers.push({ re, resolve }));
    },
    write: async (text) => {
      await writer!.write(new TextEncoder().encode(text));
    },
    closeStdin: async () => {
      try {
        await writer?.close();
      } catch { /* gone */ }
    },
    exited: child.status,
  };
  live.add(p);
  void child.status.then(() => live.delete(p));
  return p;
}

/** Rejects after `ms` with `what` and the process's stderr. */
export function within<T>(
  p: Promise<T>,
  ms: number,
  what: string,
  proc?: Proc,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `${what}: no answer in ${ms} ms${
              proc ? `\n--- ${proc.name} stderr ---\n${proc.stderrTail()}` : ""
            }`,
          ),
        ),
      ms,
    );
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** Reads stdout lines until a JSON line with `event` === `event`. */
export async function waitEvent(
  p: Proc,
  event: string,
  ms: number,
): Promise<Record<string, unknown>> {
  const read = async () => {
    for (;;) {
      const l = await p.nextLine();
      if (l === null) {
        const st = await p.exited;
        throw new Error(
          `${p.name} exited (code ${st.code}) before "${event}"\n--- stderr ---\n${p.stderrTail()}`,
        );
      }
      if (!l.startsWith("{")) continue;
      const o = JSON.parse(l);
      if (o.event === event) return o as Record<string, unknown>;
    }
  };
  return await within(read(), ms, `${p.name} "${event}"`, p);
}

/** Waits until a TCP port accepts connections. */
export async function waitPort(
  port: number,
  ms: number,
  p: Proc,
): Promise<void> {
  const end = performance.now() + ms;
  for (;;) {
    try {
      const c = await Deno.connect({ hostname: "127.0.0.1", port });
      c.close();
      return;
    } catch {
      if (performance.now() > end) {
        throw new Error(
          `${p.name}: port ${port} not open after ${ms} ms\n${p.stderrTail()}`,
        );
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

/** Stops a child: SIGTERM, then SIGKILL after `graceMs`. */
export async function stop(p: Proc, graceMs = 3000): Promise<void> {
  try {
    p.child.kill("SIGTERM");
  } catch { /* gone */ }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const killed = new Promise<void>((r) => {
    timer = setTimeout(() => {
      try {
        p.child.kill("SIGKILL");
      } catch { /* gone */ }
      r();
    }, graceMs);
  });
  await Promise.race([p.exited, killed]);
  clearTimeout(timer);
  await p.exited;
}

/** Kills every child still running (SIGKILL) and waits for them. */
export async function killAll(): Promise<void> {
  const all = [...live];
  for (const p of all) {
    try {
      p.child.kill("SIGKILL");
    } catch { /* gone */ }
  }
  await Promise.all(all.map((p) => p.exited.catch(() => {})));
}

/** Clock ticks per second of /proc's utime/stime (Linux: USER_HZ = 100). */
const TICK_US = 1e6 / 100;

/** CPU time (user + system, all threads) of a process so far, µs. */
export function cpuUs(pid: number): number {
  const s = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) * TICK_US;
}

/**
 * CPU time so far of each thread of a process, µs: the main thread as
 * "main", the others summed by thread name (e.g. libzmq's "ZMQbg/IO/0").
 */
export function threadCpuUs(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  let tids: Deno.DirEntry[];
  try {
    tids = [...Deno.readDirSync(`/proc/${pid}/task`)];
  } catch {
    return out;
  }
  for (const t of tids) {
    try {
      const s = Deno.readTextFileSync(`/proc/${pid}/task/${t.name}/stat`);
      const name = t.name === String(pid)
        ? "main"
        : s.slice(s.indexOf("(") + 1, s.lastIndexOf(")"));
      const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
      out[name] = (out[name] ?? 0) + (Number(f[11]) + Number(f[12])) * TICK_US;
    } catch { /* thread gone */ }
  }
  return out;
}

/** Busy CPU time of the whole machine so far (all cores), µs. */
export function machineBusyUs(): number {
  const line = Deno.readTextFileSync("/proc/stat").split("\n")[0];
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal guest guest_nice
  const busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
  return busy * TICK_US;
}

/** A `perf record` of one process over the timed window. */
export interface Recorder {
  enable(): Promise<void>;
  finish(): Promise<void>;
}

async function perfWithControl(
  pid: number,
  dir: string,
  tag: string,
  perfArgs: string[],
): Promise<{ p: Proc; command(cmd: string): Promise<void>; done(): void }> {
  const ctl = `${dir}/ctl-${tag}-${pid}`, ack = `${dir}/ack-${tag}-${pid}`;
  for (const f of [ctl, ack]) {
    const mk = await new Deno.Command("mkfifo", { args: [f] }).output();
    if (!mk.success) throw new Error(`mkfifo ${f} failed`);
  }
  const p = spawn("perf", `perf ${perfArgs[0]} ${pid}`, "perf", [
    perfArgs[0],
    "-D",
    "-1",
    "--control",
    `fifo:${ctl},${ack}`,
    ...perfArgs.slice(1),
    "-p",
    String(pid),
  ]);
  const c = await Deno.open(ctl, { read: true, write: true });
  const a = await Deno.open(ack, { read: true, write: true });
  return {
    p,
    command: async (cmd: string) => {
      await c.write(new TextEncoder().encode(cmd + "\n"));
      const buf = new Uint8Array(16);
      const n = await within(a.read(buf), 60_000, `perf ${cmd}`, p);
      const got = new TextDecoder().decode(buf.subarray(0, n ?? 0));
      if (!got.startsWith("ack")) throw new Error(`perf ${cmd}: got "${got}"`);
    },
    done: () => {
      c.close();
      a.close();
    },
  };
}

/**
 * Attaches `perf record -g` to every thread of `pid`, disabled, writing
 * `out`; enable()/finish() bound the sampled window exactly.
 */
export async function recordProfile(
  pid: number,
  dir: string,
  out: string,
): Promise<Recorder> {
  const x = await perfWithControl(pid, dir, "rec", [
    "record",
    "-F",
    "1999",
    "-g",
    "-o",
    out,
  ]);
  return {
    enable: () => x.command("enable"),
    finish: async () => {
      await x.command("disable");
      x.p.child.kill("SIGINT");
      await x.p.exited;
      x.done();
    },
  };
}

/** A `perf stat` counting system calls by kind of one process. */
export interface SyscallCounter {
  enable(): Promise<void>;
  /** Stops counting; resolves with the count per system call name. */
  finish(): Promise<Record<string, number>>;
}

/**
 * Attaches `perf stat` to every thread of `pid`, disabled; enable()/finish()
 * bound the counted window exactly (perf's control FIFO, acknowledged).
 * Counts `raw_syscalls:sys_enter` (every system call, as "total") and one
 * `syscalls:sys_enter_<kind>` tracepoint per name in `kinds`. Each event is
 * switched in and out with the thread, so the fewer kinds, the less perf
 * perturbs what it counts.
 */
export async function countSyscalls(
  pid: number,
  dir: string,
  kinds: string[],
): Promise<SyscallCounter> {
  const out = `${dir}/perf-${pid}.csv`;
  const x = await perfWithControl(pid, dir, "stat", [
    "stat",
    "-e",
    ["raw_syscalls:sys_enter", ...kinds.map((k) => `syscalls:sys_enter_${k}`)]
      .join(","),
    "-x,",
    "-o",
    out,
  ]);
  const command = x.command;
  const p = x.p;
  return {
    enable: () => command("enable"),
    finish: async () => {
      await command("disable");
      p.child.kill("SIGINT");
      await p.exited;
      x.done();
      const counts: Record<string, number> = {};
      for (const l of Deno.readTextFileSync(out).split("\n")) {
        const m = l.match(/^(\d+),[^,]*,(raw_)?syscalls:sys_enter_?(\w*),/);
        if (m && m[1] !== "0") counts[m[2] ? "total" : m[3]] = Number(m[1]);
      }
      return counts;
    },
  };
}
