// The broker's ROUTER options at scale: no ZMTP heartbeats of its own (libzmq
// 4.3 cancels a timer by walking all of its I/O thread's timers, so one
// heartbeat per connection made every message cost O(connections): at 10,000
// clients 78% of the I/O thread and 2,000 req/s instead of 10,000; see
// BENCHMARKS.md, C10K), and nothing that turns the transport's TCP keepalive
// off, which is what reaps dead connections instead.
import { assertEquals } from "../helpers/assert.ts";
import { readBrokerOptions } from "../../src/patterns/majordomo/_broker_policy.ts";
import { SOCKET_DEFAULTS } from "../../src/transport/_defaults.ts";

Deno.test("broker ROUTER: no ZMTP heartbeats by default, TCP keepalive left on; a user's socketOptions still win", () => {
  const s = readBrokerOptions("test", undefined).socket;
  assertEquals(s.zmtpHeartbeatIntervalMs, undefined);
  assertEquals(s.zmtpHeartbeatTimeoutMs, undefined);
  assertEquals(s.zmtpHeartbeatTtlMs, undefined);
  assertEquals(s.tcpKeepalive, undefined); // the transport's default:
  const d = new Map(SOCKET_DEFAULTS.map(([id, v]) => [id, v]));
  assertEquals(d.get(34), 1); // ZMQ_TCP_KEEPALIVE on
  assertEquals(d.get(80), 120000); // ZMQ_TCP_MAXRT: queued-for dead peers
  const u = readBrokerOptions("test", {
    socketOptions: { zmtpHeartbeatIntervalMs: 5000 },
  }).socket;
  assertEquals(u.zmtpHeartbeatIntervalMs, 5000);
});
