// Load-run child: --count bad clients of one --kind (see _bad.ts).
import { DealerSocket, shutdown } from "../../src/transport/mod.ts";
import { encodeClientRequest } from "../../src/protocol/mdp/codec.ts";
import { intFlag, parseFlags } from "../../src/_util/args.ts";
import { raisedFdLimit, waitForGo } from "./_child.ts";

const f = parseFlags(Deno.args, {
  endpoint: { type: "string", description: "broker" },
  kind: { type: "string", description: "vanish | garbage | noread" },
  count: { type: "string", description: "clients", default: "100" },
  service: { type: "string", description: "service", default: "echo" },
});
raisedFdLimit();
const n = intFlag(f, "count", 1)!;
const kind = f.kind as string;
const socks: DealerSocket[] = [];
console.log(JSON.stringify({ event: "ready", kind, count: n }));
await waitForGo();
for (let i = 0; i < n; i++) {
  const s = new DealerSocket({ linger: 0 });
  s.connect(f.endpoint as string);
  socks.push(s);
}
let sent = 0;
const report = () => console.log(JSON.stringify({ event: "progress", sent }));
const body = new Uint8Array(64);
const GARBAGE: Uint8Array[][] = [
  [new TextEncoder().encode("hello")],
  [
    new Uint8Array(0),
    new TextEncoder().encode("MDPC02"),
    new TextEncoder().encode("echo"),
    body,
  ],
  [new Uint8Array(0), new TextEncoder().encode("MDPW01"), new Uint8Array([9])],
  [new Uint8Array(0), new TextEncoder().encode("MDPW01"), new Uint8Array([3])],
  [new Uint8Array(0), new TextEncoder().encode("MDPC01")],
  [
    new Uint8Array(0),
    new TextEncoder().encode("MDPC01"),
    new Uint8Array(300).fill(65),
    body,
  ],
];
if (kind === "vanish") {
  for (const s of socks) {
    s.trySend(encodeClientRequest(f.service as string, [body]));
    sent++;
  }
  report();
  // Wait to be killed (SIGKILL): no close, no goodbye.
  setInterval(report, 1000);
} else {
  let k = 0;
  let tick = 0;
  const timer = setInterval(() => {
    // 1 message per second per client, like a good client: a tenth of the
    // clients every 100 ms.
    for (let i = tick++ % 10; i < socks.length; i += 10) {
      const frames = kind === "garbage"
        ? GARBAGE[k++ % GARBAGE.length]
        : encodeClientRequest(f.service as string, [body]);
      if (socks[i].trySend(frames)) sent++;
    }
    report();
  }, 100);
  Deno.addSignalListener("SIGTERM", async () => {
    clearInterval(timer);
    for (const s of socks) s.close();
    await shutdown();
    Deno.exit(0);
  });
}
