// What attaching BrokerMetrics adds per request at the broker, measured in
// isolation: building the two events of a request (`request:dispatched`,
// `request:answered`, with their hex identities, as the broker does when
// someone listens) and the metrics handling them, against building nothing
// (the broker with no listener checks one field). Complements the
// end-to-end on/off run of `bench/majordomo.ts --configs observe`.
//
//   deno run -A bench/observe_cost.ts [--requests 1000000]
import { BrokerMetrics } from "../src/observe/metrics.ts";
import { EventHub } from "../src/patterns/_kit/events.ts";
import { silentLogger } from "../src/_util/logger.ts";
import { hex } from "../src/patterns/majordomo/_broker_services.ts";
import { newCounters } from "../src/patterns/majordomo/_broker_out.ts";
import type { MajordomoBrokerEvent } from "../src/patterns/majordomo/broker_types.ts";
import { intFlag, parseFlags } from "../src/_util/args.ts";

const f = parseFlags(Deno.args, {
  requests: { type: "string", description: "requests", default: "1000000" },
});
const N = intFlag(f, "requests", 1)!;
const hub = new EventHub<MajordomoBrokerEvent>(silentLogger);
const source = {
  on: (l: (e: MajordomoBrokerEvent) => void) => hub.on(l),
  get stats() {
    return {
      core: "ts" as const,
      instance: "x",
      workers: 0,
      queued: 0,
      queuedBytes: 0,
      held: 0,
      services: [],
      counters: newCounters(),
      memory: { rss: 0, heapTotal: 0, heapUsed: 0, external: 0 },
    };
  },
};
const clients = Array.from(
  { length: 100 },
  (_, i) => new Uint8Array([0, 0x80, 0, 0, i]),
);
const workers = Array.from(
  { length: 10 },
  (_, i) => new Uint8Array([0, 0x80, 1, 0, i]),
);

function run(): number {
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const c = clients[i % 100], w = workers[i % 10];
    if (hub.active) {
      hub.emit({
        type: "request:dispatched",
        service: "echo",
        client: hex(c),
        id: i,
        worker: hex(w),
      });
    }
    if (hub.active) {
      hub.emit({
        type: "request:answered",
        service: "echo",
        client: hex(c),
        id: i,
        worker: hex(w),
        failed: false,
      });
    }
  }
  return (performance.now() - t0) * 1000 / N;
}

const off: number[] = [], on: number[] = [];
for (let round = 0; round < 5; round++) {
  off.push(run());
  const m = BrokerMetrics.attach(source);
  on.push(run());
  m.detach();
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[2];
const result = {
  bench: "observe-cost",
  requests: N,
  offUsPerRequest: +median(off).toFixed(3),
  onUsPerRequest: +median(on).toFixed(3),
  addedUsPerRequest: +(median(on) - median(off)).toFixed(3),
};
console.log(JSON.stringify(result));
