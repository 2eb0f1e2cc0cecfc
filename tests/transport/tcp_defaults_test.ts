// The transport's TCP defaults for dead-connection reaping (issue 15), read
// back from the kernel: keepalive on (60 s idle, 10 s interval, 6 probes)
// and TCP_USER_TIMEOUT 120 s on both ends of a connection; options override
// them; a listen queue as deep as the kernel allows; and jittered reconnect
// delays when a maximum is set (libzmq's own backoff is in lock step).
//
//   DEALER ──tcp──► ROUTER      getsockopt() on both connection descriptors
import { assert, assertEquals } from "../helpers/assert.ts";
import {
  DealerSocket,
  type MonitorEvent,
  RouterSocket,
  type RouterSocketOptions,
  shutdown,
  type SocketOptions,
} from "../../mod.ts";

const libc = Deno.dlopen("libc.so.6", {
  getsockopt: {
    parameters: ["i32", "i32", "i32", "buffer", "buffer"],
    result: "i32",
  },
  getsockname: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  getpeername: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
}).symbols;

const SOL_SOCKET = 1, SO_KEEPALIVE = 9, IPPROTO_TCP = 6;
const TCP_KEEPIDLE = 4, TCP_KEEPINTVL = 5, TCP_KEEPCNT = 6;
const TCP_USER_TIMEOUT = 18;

function intOpt(fd: number, level: number, name: number): number {
  const v = new Int32Array(1);
  const len = new Uint32Array([4]);
  const rc = libc.getsockopt(
    fd,
    level,
    name,
    new Uint8Array(v.buffer),
    new Uint8Array(len.buffer),
  );
  return rc === 0 ? v[0] : NaN;
}

function port(fd: number, peer: boolean): number {
  const addr = new Uint8Array(128);
  const len = new Uint32Array([128]);
  const f = peer ? libc.getpeername : libc.getsockname;
  if (f(fd, addr, new Uint8Array(len.buffer)) !== 0) return -1;
  if (addr[0] !== 2) return -1; // AF_INET
  return (addr[2] << 8) | addr[3];
}

interface TcpOpts {
  keepalive: number;
  idle: number;
  interval: number;
  count: number;
  userTimeout: number;
}

/** The two connected TCP descriptors (either end) on `p`, with options. */
function connectionsOn(p: number): TcpOpts[] {
  const found: TcpOpts[] = [];
  for (const e of Deno.readDirSync("/proc/self/fd")) {
    const fd = Number(e.name);
    let link: string;
    try {
      link = Deno.readLinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue;
    }
    if (!link.startsWith("socket:")) continue;
    const local = port(fd, false), remote = port(fd, true);
    if (remote < 0 || (local !== p && remote !== p)) continue;
    found.push({
      keepalive: intOpt(fd, SOL_SOCKET, SO_KEEPALIVE),
      idle: intOpt(fd, IPPROTO_TCP, TCP_KEEPIDLE),
      interval: intOpt(fd, IPPROTO_TCP, TCP_KEEPINTVL),
      count: intOpt(fd, IPPROTO_TCP, TCP_KEEPCNT),
      userTimeout: intOpt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT),
    });
  }
  return found;
}

async function pair(
  routerOptions: RouterSocketOptions,
  dealerOptions: SocketOptions,
): Promise<{ port: number; close(): void }> {
  const router = new RouterSocket(routerOptions);
  const endpoint = router.bind("tcp://127.0.0.1:*");
  const dealer = new DealerSocket(dealerOptions);
  dealer.connect(endpoint);
  await dealer.send(["hi"]);
  await router.receive({ timeoutMs: 10000 });
  return {
    port: Number(endpoint.split(":").at(-1)),
    close() {
      dealer.close();
      router.close();
    },
  };
}

Deno.test("TCP keepalive and TCP_USER_TIMEOUT are on by default at both ends", async () => {
  const p = await pair({}, {});
  try {
    const conns = connectionsOn(p.port);
    assertEquals(conns.length, 2);
    for (const c of conns) {
      assertEquals(c, {
        keepalive: 1,
        idle: 60,
        interval: 10,
        count: 6,
        userTimeout: 120000,
      });
    }
  } finally {
    p.close();
    await shutdown();
  }
});

Deno.test("keepalive and retransmission options override the defaults", async () => {
  const opts: SocketOptions = {
    tcpKeepaliveIdleMs: 5500, // rounded up to 6 s
    tcpKeepaliveIntervalMs: 2000,
    tcpKeepaliveCount: 3,
    tcpMaxRetransmitMs: 30000,
  };
  const p = await pair(opts, opts);
  try {
    for (const c of connectionsOn(p.port)) {
      assertEquals(c, {
        keepalive: 1,
        idle: 6,
        interval: 2,
        count: 3,
        userTimeout: 30000,
      });
    }
  } finally {
    p.close();
  }
  const off = await pair({ tcpKeepalive: false, tcpMaxRetransmitMs: 0 }, {
    tcpKeepalive: false,
    tcpMaxRetransmitMs: 0,
  });
  try {
    const conns = connectionsOn(off.port);
    assertEquals(conns.length, 2);
    for (const c of conns) {
      assertEquals([c.keepalive, c.userTimeout], [0, 0]);
    }
  } finally {
    off.close();
    await shutdown();
  }
});

Deno.test("a bound socket's listen queue is as deep as net.core.somaxconn allows", async () => {
  const somaxconn = Number(
    Deno.readTextFileSync("/proc/sys/net/core/somaxconn").trim(),
  );
  const router = new RouterSocket();
  const endpoint = router.bind("tcp://127.0.0.1:*");
  try {
    const p = endpoint.split(":").at(-1);
    let ss: Deno.CommandOutput;
    try {
      ss = await new Deno.Command("ss", {
        args: ["-Hltn", `sport = :${p}`],
        stdout: "piped",
      }).output();
    } catch {
      // No iproute2 on this machine: nothing can read the queue's limit.
      console.log("ss not found: the listen queue's limit cannot be read");
      return;
    }
    const [, , sendQ] = new TextDecoder().decode(ss.stdout).trim().split(
      /\s+/,
    );
    // For a listener, ss's Send-Q is the queue's limit.
    assertEquals(Number(sendQ), Math.min(65535, somaxconn));
  } finally {
    router.close();
    await shutdown();
  }
});

Deno.test("with a reconnect maximum, each socket's first reconnect delay is drawn from [ivl, 2 × ivl)", async () => {
  // Nothing listens on the port of a closed ROUTER: every connect is refused
  // and retried, and the monitor reports the delay of each retry.
  const gone = new RouterSocket();
  const endpoint = gone.bind("tcp://127.0.0.1:*");
  gone.close();
  const delays: number[] = [];
  const socks: DealerSocket[] = [];
  const waits: Promise<void>[] = [];
  for (let i = 0; i < 16; i++) {
    const d = new DealerSocket({
      reconnectIntervalMs: 1000,
      reconnectIntervalMaxMs: 8000,
    });
    const events = d.monitor();
    d.connect(endpoint);
    socks.push(d);
    waits.push((async () => {
      let ev: MonitorEvent | null;
      while ((ev = await events.next({ timeoutMs: 10000 })) !== null) {
        if (ev.type === "connect-retried") {
          delays.push(ev.value);
          break;
        }
      }
      events.close();
    })());
  }
  try {
    await Promise.all(waits);
    assertEquals(delays.length, 16);
    for (const d of delays) assert(d >= 1000 && d < 2000, `delay ${d}`);
    // Without the jitter every delay would be exactly 1000 ms.
    assert(new Set(delays).size >= 8, `delays ${delays}`);
  } finally {
    for (const s of socks) s.close();
    await shutdown();
  }
});
