// The broker's core driven without sockets: messages go in through the
// envelope's copy-in path, what it sends is recorded per destination, time is
// a FakeClock. Peers can be made unroutable ("gone") or full.
import { FakeClock } from "../../src/_util/clock.ts";
import { silentLogger } from "../../src/_util/logger.ts";
import { RateLimitedLog } from "../../src/_util/rate_limit.ts";
import { createCore } from "../../src/core/mod.ts";
import { EventHub } from "../../src/patterns/_kit/events.ts";
import {
  BrokerCore,
  type SendResult,
  Sent,
} from "../../src/patterns/majordomo/_broker_core.ts";
import type { BrokerPolicy } from "../../src/patterns/majordomo/_broker_policy.ts";
import { BROKER_DEFAULTS } from "../../src/patterns/majordomo/_broker_policy.ts";
import type { MajordomoBrokerEvent } from "../../src/patterns/majordomo/broker_types.ts";
import {
  correlationFrame,
  workerErrorFrame,
} from "../../src/patterns/majordomo/correlation.ts";

export const te = new TextEncoder();
export const td = new TextDecoder();

export type F = string | Uint8Array;

/** A readable form of frames: text, or `#corr:N` / `#err:N` / hex. */
export function show(frames: readonly Uint8Array[]): string[] {
  return frames.map((f) => {
    if (f.length === 12 && f[0] === 0xff && f[1] === 0x52 && f[2] === 0x5a) {
      const v = new DataView(f.buffer, f.byteOffset, 12);
      const id = v.getUint32(4) * 2 ** 32 + v.getUint32(8);
      return f[3] === 0x43 ? `#corr:${id}` : `#err:${id}`;
    }
    if (f.length === 1 && f[0] < 0x20) return `0x0${f[0]}`;
    return td.decode(f);
  });
}

export const HB = 100;

export class Harness {
  readonly clock = new FakeClock(1000);
  readonly events: MajordomoBrokerEvent[] = [];
  readonly sent: Uint8Array[][] = [];
  readonly gone = new Set<string>();
  readonly full = new Set<string>();
  readonly policy: BrokerPolicy;
  readonly core: BrokerCore;
  readonly #env;

  constructor(impl: "ts" | "wasm", policy: Partial<BrokerPolicy> = {}) {
    const d = BROKER_DEFAULTS;
    this.policy = {
      heartbeatIntervalMs: HB,
      liveness: 3,
      requestTtlMs: d.requestTtlMs,
      maxQueue: d.maxQueue,
      maxPendingRequests: d.maxPendingRequests,
      maxPendingBytes: d.maxPendingBytes,
      maxServices: d.maxServices,
      maxWorkers: d.maxWorkers,
      maxFrameBytes: d.maxFrameBytes,
      expireBusyWorkers: true,
      ...policy,
    };
    const c = createCore({ impl });
    this.#env = c.createEnvelope();
    const out = {
      send: (frames: Uint8Array[]): SendResult => {
        const to = td.decode(frames[0]);
        if (this.gone.has(to)) return Sent.GONE;
        if (this.full.has(to)) return Sent.FULL;
        this.sent.push(frames.map((f) => f.slice()));
        return Sent.OK;
      },
    };
    this.core = new BrokerCore({
      env: this.#env,
      queue: c.createWorkerQueue(),
      policy: this.policy,
      out,
      log: silentLogger,
      bad: new RateLimitedLog(silentLogger, this.clock),
      events: new EventHub(silentLogger, (e) => this.events.push(e)),
      impl,
      instance: "inst-1",
      memory: () => ({ rss: 0, heapTotal: 0, heapUsed: 0, external: 0 }),
    });
    this.core.tick(this.clock.now());
  }

  /** Delivers one message from `from` (its routing identity). */
  deliver(from: string, frames: F[]): void {
    const fs = [
      te.encode(from),
      ...frames.map((f) => typeof f === "string" ? te.encode(f) : f),
    ];
    this.#env.load(fs);
    this.core.onMessage(
      this.clock.now(),
      fs.reduce((n, f) => n + f.length, 0),
    );
  }

  ready(worker: string, service = "echo"): void {
    this.deliver(worker, ["", "MDPW01", "\x01", service]);
  }
  heartbeat(worker: string): void {
    this.deliver(worker, ["", "MDPW01", "\x04"]);
  }
  disconnect(worker: string): void {
    this.deliver(worker, ["", "MDPW01", "\x05"]);
  }
  /** A plain 7/MDP request. */
  request(client: string, body: F[], service = "echo"): void {
    this.deliver(client, ["", "MDPC01", service, ...body]);
  }
  /** An RZ request (correlation frame first). */
  rz(client: string, id: number, body: F[], service = "echo"): void {
    this.request(client, [correlationFrame(id), ...body], service);
  }
  reply(worker: string, client: string, body: F[]): void {
    this.deliver(worker, ["", "MDPW01", "\x03", client, "", ...body]);
  }
  failReply(worker: string, client: string, message: string): void {
    this.reply(worker, client, [workerErrorFrame(), message]);
  }
  /** Moves time on and runs the sweep, as the shell's timer does. */
  advance(ms: number): void {
    this.clock.advance(ms);
    this.core.tick(this.clock.now());
  }

  /** Messages sent to `to` since the last call (heartbeats left out). */
  take(to: string, heartbeats = false): string[][] {
    const mine: string[][] = [];
    for (let i = 0; i < this.sent.length;) {
      const m = this.sent[i];
      if (td.decode(m[0]) === to) {
        this.sent.splice(i, 1);
        const s = show(m.slice(1));
        if (heartbeats || !(s.length === 3 && s[2] === "0x04")) mine.push(s);
      } else i++;
    }
    return mine;
  }

  get counters() {
    return this.core.counters;
  }

  eventsOf(type: MajordomoBrokerEvent["type"]): MajordomoBrokerEvent[] {
    return this.events.filter((e) => e.type === type);
  }
}

export const REQ = ["", "MDPW01", "0x02"];
export const DISCONNECT = ["", "MDPW01", "0x05"];
export const HEARTBEAT = ["", "MDPW01", "0x04"];
