// Endpoints: the one validator (src/_util/endpoint.ts) as a table of valid
// and refused endpoints, then what the transport does with them on real
// sockets: an out-of-range port is refused before anything is bound, IPv6 in
// brackets works, and an unknown host is named in the error.
import {
  DealerSocket,
  EndpointError,
  resolveEndpoint,
  RouterSocket,
} from "../../mod.ts";
import { parseEndpoint } from "../../src/_util/endpoint.ts";
import {
  assert,
  assertEquals,
  assertRejects,
  assertThrows,
  match as assertMatch,
} from "../helpers/assert.ts";

const ACCEPTED: [string, "bind" | "connect", string][] = [
  // [endpoint, use, what libzmq gets]
  ["tcp://127.0.0.1:5555", "connect", "tcp://127.0.0.1:5555"],
  ["tcp://127.0.0.1:*", "bind", "tcp://127.0.0.1:*"],
  ["tcp://127.0.0.1:0", "bind", "tcp://127.0.0.1:*"],
  ["tcp://*:5555", "bind", "tcp://*:5555"],
  ["tcp://*:*", "bind", "tcp://*:*"],
  ["tcp://localhost:1", "connect", "tcp://localhost:1"],
  [
    "tcp://broker-1.example.com:65535",
    "connect",
    "tcp://broker-1.example.com:65535",
  ],
  ["tcp://eth0:*", "bind", "tcp://eth0:*"],
  ["tcp://[::1]:5555", "connect", "tcp://[::1]:5555"],
  ["tcp://[::1]:0", "bind", "tcp://[::1]:*"],
  ["tcp://[fe80::1%eth0]:5555", "connect", "tcp://[fe80::1%eth0]:5555"],
  ["tcp://[::ffff:127.0.0.1]:5555", "connect", "tcp://[::ffff:127.0.0.1]:5555"],
  ["ipc:///tmp/broker.sock", "connect", "ipc:///tmp/broker.sock"],
  ["ipc://@abstract", "bind", "ipc://@abstract"],
  ["ipc://*", "bind", "ipc://*"],
  ["inproc://workers", "connect", "inproc://workers"],
];

const REFUSED: [
  unknown,
  "bind" | "connect",
  "TypeError" | "RangeError",
  RegExp,
][] = [
  [5555, "bind", "TypeError", /endpoint must be a string .*got number 5555/],
  [undefined, "connect", "TypeError", /got undefined/],
  ["127.0.0.1:5555", "connect", "TypeError", /is not a ZeroMQ endpoint/],
  ["foo://bar", "connect", "TypeError", /unknown transport "foo:\/\/"/],
  [
    "ws://host:80",
    "connect",
    "TypeError",
    /ws:\/\/ transport, which this library does not support/,
  ],
  ["udp://host:80", "bind", "TypeError", /does not support/],
  [
    "tcp://127.0.0.1:99999",
    "bind",
    "RangeError",
    /between 1 and 65535.*got 99999/,
  ],
  ["tcp://127.0.0.1:65536", "connect", "RangeError", /got 65536/],
  ["tcp://h:abc", "connect", "TypeError", /port "abc"/],
  ["tcp://h:-1", "connect", "TypeError", /port "-1"/],
  ["tcp://h", "connect", "TypeError", /needs a port/],
  ["tcp://:5555", "connect", "TypeError", /needs a host/],
  [
    "tcp://*:5555",
    "connect",
    "TypeError",
    /\* as host, which only bind accepts/,
  ],
  ["tcp://h:*", "connect", "TypeError", /port \*, which only bind accepts/],
  ["tcp://h:0", "connect", "TypeError", /port 0, which only bind accepts/],
  [
    "tcp://::1:5555",
    "connect",
    "TypeError",
    /without brackets; write tcp:\/\/\[::1\]:5555/,
  ],
  ["tcp://[::1]5555", "connect", "TypeError", /tcp:\/\/\[ipv6-address\]:port/],
  ["tcp://[nothex]:5555", "connect", "TypeError", /not an IPv6 address/],
  ["tcp://256.0.0.1:5555", "connect", "TypeError", /not an IPv4 address/],
  ["tcp://bad_host!:5555", "connect", "TypeError", /not a host name/],
  ["tcp://a b:5555", "connect", "TypeError", /white space/],
  ["tcp://10.0.0.1;10.0.0.2:5555", "connect", "TypeError", /source address/],
  ["inproc://", "bind", "TypeError", /needs a name/],
  ["ipc://", "bind", "TypeError", /needs a path/],
  ["ipc://*", "connect", "TypeError", /only bind accepts/],
  [`ipc:///${"x".repeat(120)}`, "bind", "RangeError", /longer than 107 bytes/],
];

Deno.test(`the endpoint validator accepts ${ACCEPTED.length} valid forms`, () => {
  for (const [ep, use, libzmq] of ACCEPTED) {
    assertEquals(parseEndpoint("t()", ep, use).endpoint, libzmq, ep);
  }
});

Deno.test(`the endpoint validator refuses ${REFUSED.length} mistakes, naming the owner and what it got`, () => {
  for (const [ep, use, name, message] of REFUSED) {
    assertThrows(
      () => parseEndpoint("MajordomoClient.connect()", ep, use),
      (e: Error) => {
        assertEquals(e.name, name, `${String(ep)}: ${e.message}`);
        assertMatch(e.message, /^MajordomoClient\.connect\(\): /);
        assertMatch(e.message, message);
        return true;
      },
    );
  }
});

Deno.test("bind refuses port 99999 instead of binding port 34463 (the port modulo 65536)", () => {
  const s = new RouterSocket();
  try {
    assertThrows(() => s.bind("tcp://127.0.0.1:99999"), RangeError);
    // Nothing was bound: the socket still binds a system-picked port.
    assertMatch(s.bind("tcp://127.0.0.1:*"), /^tcp:\/\/127\.0\.0\.1:\d+$/);
  } finally {
    s.close();
  }
});

Deno.test("connect refuses a malformed endpoint with the socket's method in the message", () => {
  const s = new DealerSocket();
  try {
    assertThrows(
      () => s.connect("foo://bar"),
      /^TypeError: DealerSocket\.connect\(\): "foo:\/\/bar" has an unknown transport/,
    );
  } finally {
    s.close();
  }
});

function hasIpv6Loopback(): boolean {
  const s = new RouterSocket();
  try {
    s.bind("tcp://[::1]:*");
    return true;
  } catch {
    return false;
  } finally {
    s.close();
  }
}

Deno.test({
  name:
    "tcp://[::1]:* binds and carries a round trip (ZMQ_IPV6 turned on for the call)",
  ignore: !hasIpv6Loopback(),
  async fn() {
    const router = new RouterSocket();
    const dealer = new DealerSocket();
    try {
      const endpoint = router.bind("tcp://[::1]:*");
      assertMatch(endpoint, /^tcp:\/\/\[::1\]:\d+$/);
      dealer.connect(endpoint);
      await dealer.send(["over IPv6"]);
      const [id, body] = await router.receive({ timeoutMs: 10_000 });
      await router.send([id, body]);
      const [echo] = await dealer.receive({ timeoutMs: 10_000 });
      assertEquals(new TextDecoder().decode(echo), "over IPv6");
      // The option was restored: a plain IPv4 wildcard bind stays IPv4.
      assertMatch(router.bind("tcp://*:*"), /^tcp:\/\/0\.0\.0\.0:\d+$/);
    } finally {
      dealer.close();
      router.close();
    }
  },
});

Deno.test("binding an unknown host names it (EndpointError), not 'No such device'", () => {
  const s = new RouterSocket();
  try {
    assertThrows(
      () => s.bind("tcp://no-such-host.invalid:5555"),
      (e: Error) => {
        assert(e instanceof EndpointError, String(e));
        assertEquals(e.endpoint, "tcp://no-such-host.invalid:5555");
        assertEquals(e.code, "ENODEV");
        assertMatch(
          e.message,
          /host "no-such-host\.invalid" is not a local interface/,
        );
        return true;
      },
    );
    assertThrows(() => s.bind("tcp://203.0.113.77:*"), (e: Error) => {
      assert(e instanceof EndpointError, String(e));
      assertMatch(
        e.message,
        /"203\.0\.113\.77" is not an address of this machine/,
      );
      return true;
    });
  } finally {
    s.close();
  }
});

Deno.test("resolveEndpoint names a host that does not resolve; addresses need no lookup", async () => {
  await assertRejects(
    () =>
      resolveEndpoint(
        "MajordomoWorker.connect()",
        "tcp://no-such-host.invalid:5555",
      ),
    (e: Error) => {
      assert(e instanceof EndpointError, String(e));
      assertEquals(e.code, "EAI_NONAME");
      assertMatch(e.message, /host "no-such-host\.invalid" does not resolve/);
      return true;
    },
  );
  await resolveEndpoint("t", "tcp://localhost:5555");
  await resolveEndpoint("t", "tcp://127.0.0.1:5555");
  await resolveEndpoint("t", "tcp://[::1]:5555");
  await resolveEndpoint("t", "inproc://x");
  await assertRejects(() => resolveEndpoint("t", "tcp://*:1"), TypeError);
  const aborted = AbortSignal.abort(new Error("stop"));
  await assertRejects(
    () => resolveEndpoint("t", "tcp://localhost:1", { signal: aborted }),
    /stop/,
  );
});
