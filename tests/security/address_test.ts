// IP address lists (Strawhouse): exact addresses and CIDR ranges, IPv4 and
// IPv6, parsed strictly; the ZAP core decides on them; a real NULL socket
// refuses a peer outside the allowed range.
import { assert, assertEquals } from "../helpers/assert.ts";
import { AddressList } from "../../src/security/_address.ts";
import {
  AddressListError,
  MajordomoBroker,
  MajordomoClient,
  silentLogger,
} from "../../mod.ts";

const L = (...e: string[]) => new AddressList("t", e);

Deno.test("address list: exact IPv4 and IPv6, and IPv4-mapped IPv6 peers", () => {
  const l = L("10.0.0.5", "::1");
  assert(l.has("10.0.0.5"));
  assert(!l.has("10.0.0.6"));
  assert(l.has("::1"));
  assert(l.has("0:0:0:0:0:0:0:1"));
  assert(l.has("::ffff:10.0.0.5"), "an IPv4 peer on an IPv6 socket");
  assert(l.has("::ffff:a00:5"), "the same, in hex groups");
  assert(!l.has("::2"));
  assert(!l.has(""), "an ipc peer has no address");
  assert(!l.has("not an address"));
  assertEquals(l.size, 2);
  // An IPv4-mapped entry matches the plain IPv4 peer too.
  assert(L("::ffff:127.0.0.1").has("127.0.0.1"));
});

Deno.test("address list: IPv4 CIDR ranges, /0 and /32", () => {
  const l = L("10.0.0.0/8", "192.168.1.128/25");
  assert(l.has("10.0.0.0"));
  assert(l.has("10.255.255.255"));
  assert(!l.has("11.0.0.0"));
  assert(!l.has("9.255.255.255"));
  assert(l.has("192.168.1.128"));
  assert(l.has("192.168.1.255"));
  assert(!l.has("192.168.1.127"));
  assert(l.has("::ffff:10.1.2.3"));
  const all4 = L("0.0.0.0/0");
  assert(all4.has("1.2.3.4"));
  assert(all4.has("255.255.255.255"));
  assert(all4.has("::ffff:8.8.8.8"));
  assert(!all4.has("::1"), "0.0.0.0/0 is every IPv4 address, not IPv6 ones");
  const one = L("127.0.0.1/32");
  assert(one.has("127.0.0.1"));
  assert(!one.has("127.0.0.2"));
});

Deno.test("address list: IPv6 CIDR ranges, /0, /128, zones and mapped ranges", () => {
  const l = L("fd00::/8", "2001:db8::/32", "::1/128");
  assert(l.has("fd12:3456::1"));
  assert(!l.has("fe80::1"));
  assert(l.has("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"));
  assert(!l.has("2001:db9::"));
  assert(l.has("::1"));
  assert(!l.has("::"));
  assert(L("fe80::/10").has("fe80::1%eth0"), "a peer's zone index is ignored");
  const all = L("::/0");
  assert(all.has("::1"));
  assert(all.has("127.0.0.1"), "::/0 covers the IPv4-mapped range too");
  const mapped = L("::ffff:0:0/96");
  assert(mapped.has("1.2.3.4"));
  assert(!mapped.has("::1"));
  assert(L("::ffff:127.0.0.0/104").has("127.9.9.9"));
  assert(L("1:2:3:4:5:6:7:8/128").has("1:2:3:4:5:6:7:8"));
  assert(L("64:ff9b::/96").has("64:ff9b::192.0.2.33"));
});

Deno.test("address list: malformed entries throw AddressListError saying which and why", () => {
  const bad: [string, RegExp][] = [
    ["10.0.0.1/8", /host bits set .*10\.0\.0\.0/],
    ["10.0.0.0/33", /prefix length must be a number 0-32/],
    ["::/129", /0-128/],
    ["10.0.0.0/", /prefix length/],
    ["10.0.0.0/08", /prefix length/],
    ["10.0.0.0/-1", /prefix length/],
    ["256.0.0.1", /over 255/],
    ["010.0.0.1", /leading zeros/],
    ["10.0.0", /4 dot-separated/],
    ["10.0.0.0.0", /4 dot-separated/],
    ["1::2::3", /once/],
    ["1:2:3:4:5:6:7", /8 groups/],
    ["1:2:3:4:5:6:7:8:9", /8 groups/],
    ["1:2:3:4::5:6:7:8", /at least/],
    ["12345::", /hex digits/],
    ["fe80::1%eth0", /zone/],
    ["localhost", /4 dot-separated/],
    ["", /empty/],
    [" 10.0.0.1", /spaces/],
    ["::ffff:1.2.3", /embedded IPv4/],
  ];
  for (const [entry, why] of bad) {
    let e: AddressListError | undefined;
    try {
      new AddressList("x.ipAllow", ["127.0.0.1", entry]);
    } catch (err) {
      assert(err instanceof AddressListError, String(err));
      e = err;
    }
    assert(e !== undefined, `${JSON.stringify(entry)} must be refused`);
    assertEquals(e.index, 1, entry);
    assertEquals(e.entry, entry);
    assertEquals(e.list, "x.ipAllow");
    assert(why.test(e.message), `${JSON.stringify(entry)}: ${e.message}`);
  }
});

Deno.test("address list: a NULL broker admits 127.0.0.0/8 and refuses a peer outside 10.0.0.0/8 (real sockets)", async () => {
  const inRange = await MajordomoBroker.bind("tcp://127.0.0.1:*", {
    logger: silentLogger,
    security: { ipAllow: ["10.0.0.0/8", "127.0.0.0/8", "::1/128"] },
  });
  const outside = await MajordomoBroker.bind("tcp://127.0.0.1:*", {
    logger: silentLogger,
    security: { ipAllow: ["10.0.0.0/8"] },
  });
  const ok = await MajordomoClient.connect(inRange.endpoints[0], {
    logger: silentLogger,
    attemptTimeoutMs: 5000,
    maxAttempts: 1,
  });
  const no = await MajordomoClient.connect(outside.endpoints[0], {
    logger: silentLogger,
    attemptTimeoutMs: 300,
    maxAttempts: 1,
    checkServiceOnTimeout: false,
  });
  try {
    const [status] = await ok.request("mmi.service", ["echo"]);
    assertEquals(new TextDecoder().decode(status), "404");
    let failed: unknown;
    await no.request("mmi.service", ["echo"]).catch((e) => failed = e);
    assert(failed instanceof Error);
    const t0 = Date.now();
    while (
      (outside.securityStats?.counters.refused ?? 0) === 0 &&
      Date.now() - t0 < 10000
    ) await new Promise((r) => setTimeout(r, 20));
    const c = outside.securityStats!.counters;
    assert(c.refusedBy["address-not-allowed"]! >= 1);
    assertEquals(c.allowed, 0);
    assertEquals(inRange.securityStats!.counters.allowed, 1);
  } finally {
    await ok.close();
    await no.close();
    await inRange.close();
    await outside.close();
  }
});
