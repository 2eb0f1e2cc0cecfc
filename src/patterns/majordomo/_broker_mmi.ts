/**
 * The broker's answers to 8/MMI requests (`mmi.*` services): `mmi.service`
 * (200 or 404), `mmi.stats` (ours: 200 + JSON stats), `mmi.rz` (ours: 200
 * + JSON naming the broker, see docs/MDP_EXTENSIONS.md) and 501 for any
 * other. An RZ client's correlation frame, when it leads the body, is read
 * past and put back first in the reply. Private.
 *
 * @module
 */
import type { Envelope } from "../../core/mod.ts";
import { EMPTY, MDPC01 } from "../../protocol/mdp/codec.ts";
import { MMI_FRAME, MMI_SERVICE, MMI_STATS } from "../../protocol/mmi/codec.ts";
import { VERSION } from "../../_util/version.ts";
import type { EventHub } from "../_kit/events.ts";
import {
  CORRELATION_FRAME_BYTES,
  MMI_RZ,
  readCorrelationId,
} from "./correlation.ts";
import { type SendResult, Sent } from "./_broker_out.ts";
import { hex } from "./_broker_services.ts";
import type {
  MajordomoBrokerEvent,
  MajordomoBrokerStats,
} from "./broker_types.ts";

const te = new TextEncoder();
const td = new TextDecoder();
const SERVICE = te.encode(MMI_SERVICE);
const STATS = te.encode(MMI_STATS);
const RZ = te.encode(MMI_RZ);
const WORKERS = te.encode("workers");
/** Most workers listed by `mmi.stats` asked with `"workers"`. */
export const MMI_STATS_MAX_WORKERS = 10_000;

/** The RZ extensions this broker implements (listed in `mmi.rz`). */
export const RZ_EXTENSIONS = ["corr", "err", "werr", "dedup"] as const;

/** What the MMI answers read from the broker. */
export interface MmiContext {
  /** The broker's random id for this start. */
  readonly instance: string;
  /** The frame limit it advertises. */
  readonly maxFrameBytes: number;
  /** Whether a worker is registered for an interned service name. */
  hasWorkers(handle: number): boolean;
  /** A stats snapshot. */
  stats(): MajordomoBrokerStats;
  /** The registered workers, at most `limit`. */
  workerList(limit: number): MajordomoBrokerStats["workerList"];
  /** Counters to update. */
  readonly counters: { unroutableReplies: number };
}

/**
 * The `mmi.rz` reply's JSON.
 * @param ctx The broker.
 * @returns The JSON text.
 */
export function rzInfo(ctx: MmiContext): string {
  return JSON.stringify({
    name: "reliable-zmq",
    version: VERSION,
    instance: ctx.instance,
    extensions: RZ_EXTENSIONS,
    maxFrameBytes: ctx.maxFrameBytes,
  });
}

function eq(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Answers the `mmi.*` client request held in `env`.
 * @param ctx The broker.
 * @param env The envelope (classified as a client request).
 * @param out Where to send.
 * @param events Where to report.
 */
export function answerMmi(
  ctx: MmiContext,
  env: Envelope,
  out: { send(frames: Uint8Array[]): SendResult },
  events: EventHub<MajordomoBrokerEvent>,
): void {
  const sf = env.serviceFrame;
  const bf = env.bodyFrame;
  const name = env.frame(sf);
  const rz = env.frameLength(bf) === CORRELATION_FRAME_BYTES &&
    bf + 1 < env.frameCount && readCorrelationId(env.frame(bf)) >= 0;
  const arg = rz ? bf + 1 : bf;
  let body: Uint8Array[];
  if (eq(name, SERVICE)) {
    body = [MMI_FRAME[ctx.hasWorkers(env.find(arg)) ? "200" : "404"]];
  } else if (eq(name, STATS)) {
    const stats = ctx.stats();
    if (arg < env.frameCount && eq(env.frame(arg), WORKERS)) {
      stats.workerList = ctx.workerList(MMI_STATS_MAX_WORKERS);
    }
    body = [MMI_FRAME["200"], te.encode(JSON.stringify(stats))];
  } else if (eq(name, RZ)) {
    body = [MMI_FRAME["200"], te.encode(rzInfo(ctx))];
  } else {
    body = [MMI_FRAME["501"]];
  }
  const head = [env.frame(0), EMPTY, MDPC01, name];
  if (rz) head.push(env.frame(bf));
  if (out.send([...head, ...body]) !== Sent.OK) {
    ctx.counters.unroutableReplies++;
  }
  if (events.active) {
    events.emit({
      type: "mmi:answered",
      service: td.decode(name),
      client: hex(env.frame(0)),
      status: td.decode(body[0]),
    });
  }
}
