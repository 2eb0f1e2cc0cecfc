// What the load run samples from the operating system: a process's RSS, CPU
// time and descriptors (/proc), the TCP states on the broker's port (ss),
// the kernel's listen-queue counters (/proc/net/netstat), and the sysctls
// that bound a C10K run.

export interface ProcSample {
  rssBytes: number;
  cpuMs: number;
  fds: number;
  /** CPU of the JavaScript (main) thread and of libzmq's I/O threads. */
  jsMs: number;
  ioMs: number;
}

function threadCpu(pid: number): { jsMs: number; ioMs: number } {
  let jsMs = 0, ioMs = 0;
  try {
    for (const t of Deno.readDirSync(`/proc/${pid}/task`)) {
      const st = Deno.readTextFileSync(`/proc/${pid}/task/${t.name}/stat`);
      const comm = st.slice(st.indexOf("(") + 1, st.lastIndexOf(")"));
      const f = st.slice(st.lastIndexOf(")") + 2).split(" ");
      const ms = (Number(f[11]) + Number(f[12])) * 10;
      if (t.name === String(pid)) jsMs += ms;
      else if (comm.startsWith("ZMQbg/IO")) ioMs += ms;
    }
  } catch { /* gone */ }
  return { jsMs, ioMs };
}

export function sampleProc(pid: number): ProcSample | null {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const cpuMs = (Number(f[11]) + Number(f[12])) * 10; // 100 Hz ticks
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const rss = /VmRSS:\s+(\d+) kB/.exec(status);
    let fds = 0;
    for (const _ of Deno.readDirSync(`/proc/${pid}/fd`)) fds++;
    return {
      rssBytes: rss ? Number(rss[1]) * 1024 : NaN,
      cpuMs,
      fds,
      ...threadCpu(pid),
    };
  } catch {
    return null;
  }
}

/** TCP sockets on the broker's port, by side and state. */
export interface TcpSample {
  /** Broker side (local port = the port), by state. */
  server: Record<string, number>;
  /** Client side (remote port = the port), by state. */
  client: Record<string, number>;
  /** The listener's accept queue now and its limit. */
  acceptQueue: number;
  acceptQueueMax: number;
}

export async function sampleTcp(port: number): Promise<TcpSample | null> {
  let out: string;
  try {
    const r = await new Deno.Command("ss", {
      args: ["-Htan", `( sport = :${port} or dport = :${port} )`],
      stdout: "piped",
      stderr: "null",
    }).output();
    out = new TextDecoder().decode(r.stdout);
  } catch {
    return null;
  }
  const s: TcpSample = {
    server: {},
    client: {},
    acceptQueue: 0,
    acceptQueueMax: 0,
  };
  const suffix = `:${port}`;
  for (const line of out.split("\n")) {
    if (!line) continue;
    const c = line.split(/\s+/);
    const [state, recvQ, sendQ, local] = c;
    if (state === "LISTEN") {
      s.acceptQueue = Number(recvQ);
      s.acceptQueueMax = Number(sendQ);
      continue;
    }
    const side = local.endsWith(suffix) ? s.server : s.client;
    side[state] = (side[state] ?? 0) + 1;
  }
  return s;
}

const NETSTAT_KEYS = [
  "ListenOverflows",
  "ListenDrops",
  "TCPReqQFullDrop",
  "TCPReqQFullDoCookies",
  "SyncookiesSent",
  "TCPSynRetrans",
  "TCPTimeouts",
  "TCPAbortOnData",
  "TCPAbortOnClose",
] as const;

/** Machine-wide TcpExt counters (other processes add to them too). */
export function sampleNetstat(): Record<string, number> {
  const out: Record<string, number> = {};
  try {
    const lines = Deno.readTextFileSync("/proc/net/netstat").split("\n");
    for (let i = 0; i + 1 < lines.length; i += 2) {
      if (!lines[i].startsWith("TcpExt:")) continue;
      const k = lines[i].split(" ");
      const v = lines[i + 1].split(" ");
      for (let j = 1; j < k.length; j++) {
        if ((NETSTAT_KEYS as readonly string[]).includes(k[j])) {
          out[k[j]] = Number(v[j]);
        }
      }
    }
  } catch { /* not Linux */ }
  return out;
}

function readNum(path: string): number {
  try {
    return Number(Deno.readTextFileSync(path).trim().split(/\s+/)[0]);
  } catch {
    return NaN;
  }
}

/** The kernel settings a C10K run depends on. */
export function sysctls(): Record<string, number | string> {
  let range = "?";
  try {
    range = Deno.readTextFileSync("/proc/sys/net/ipv4/ip_local_port_range")
      .trim()
      .replace(/\s+/, "-");
  } catch { /* not Linux */ }
  return {
    somaxconn: readNum("/proc/sys/net/core/somaxconn"),
    tcp_max_syn_backlog: readNum("/proc/sys/net/ipv4/tcp_max_syn_backlog"),
    tcp_syncookies: readNum("/proc/sys/net/ipv4/tcp_syncookies"),
    tcp_tw_reuse: readNum("/proc/sys/net/ipv4/tcp_tw_reuse"),
    ip_local_port_range: range,
    nr_open: readNum("/proc/sys/fs/nr_open"),
  };
}

/** Machine-wide CPU busy time, in ms (all cores), from /proc/stat. */
export function machineCpuMs(): number {
  try {
    const f = Deno.readTextFileSync("/proc/stat").split("\n")[0].split(/\s+/)
      .slice(1).map(Number);
    // user nice system idle iowait irq softirq steal
    return (f[0] + f[1] + f[2] + f[5] + f[6] + f[7]) * 10;
  } catch {
    return NaN;
  }
}
