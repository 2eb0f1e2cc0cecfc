/**
 * What the broker's core writes: the send results it acts on, the RZ error
 * reply, the counters and the stats snapshot. Private.
 *
 * @module
 */
import type { WorkerRegistry } from "../_kit/registry.ts";
import { EMPTY, MDPC01 } from "../../protocol/mdp/codec.ts";
import { errorFrame } from "./correlation.ts";
import type { ServiceTable } from "./_broker_services.ts";
import type {
  MajordomoBrokerCounters,
  MajordomoBrokerStats,
  MajordomoCoreImpl,
  MajordomoServiceStats,
} from "./broker_types.ts";

/** What became of one send. */
export const Sent = {
  /** Queued for the peer. */
  OK: 0,
  /** The peer's queue is full (its high-water mark): not sent. */
  FULL: 1,
  /** No such peer (it disconnected): not sent. */
  GONE: 2,
} as const;
/** One of the {@linkcode Sent} values. */
export type SendResult = typeof Sent[keyof typeof Sent];

const te = new TextEncoder();

/**
 * An RZ error reply: `[client][""]["MDPC01"][service][ERR id][code][text]`.
 * @param client The client's identity.
 * @param service The service name.
 * @param id The request's correlation id.
 * @param code The three-digit code.
 * @param text What happened.
 * @returns The frames.
 */
export function errorReply(
  client: Uint8Array,
  service: Uint8Array,
  id: number,
  code: string,
  text: string,
): Uint8Array[] {
  return [
    client,
    EMPTY,
    MDPC01,
    service,
    errorFrame(id),
    te.encode(code),
    te.encode(text),
  ];
}

/** @returns Counters, all 0. */
export function newCounters(): MajordomoBrokerCounters {
  return {
    requests: 0,
    dispatched: 0,
    replies: 0,
    mmi: 0,
    expiredRequests: 0,
    droppedRequests: 0,
    abandonedRequests: 0,
    duplicatesSuppressed: 0,
    lostRequests: 0,
    handlerErrors: 0,
    errorReplies: 0,
    unroutableReplies: 0,
    invalidMessages: 0,
    oversizeMessages: 0,
    disconnectsSent: 0,
    expiredWorkers: 0,
    refusedWorkers: 0,
    pauses: 0,
    peersGone: 0,
    internalErrors: 0,
    notAdmitted: 0,
  };
}

/**
 * A stats snapshot.
 * @param deps Core name, instance and memory source.
 * @param reg The workers.
 * @param services The services.
 * @param counters The counters (copied).
 * @returns The snapshot.
 */
export function snapshot(
  deps: {
    readonly impl: MajordomoCoreImpl;
    readonly instance: string;
    readonly memory: () => MajordomoBrokerStats["memory"];
  },
  // deno-lint-ignore no-explicit-any
  reg: WorkerRegistry<any>,
  services: ServiceTable,
  counters: MajordomoBrokerCounters,
): MajordomoBrokerStats {
  const list: MajordomoServiceStats[] = [];
  for (const s of services.values()) {
    list.push({
      name: s.nameText,
      workers: s.workers,
      waiting: reg.idleCount(s.handle),
      queued: s.requests.length,
    });
  }
  return {
    core: deps.impl,
    instance: deps.instance,
    workers: reg.size,
    queued: services.pending,
    queuedBytes: services.pendingBytes,
    held: services.held.size,
    services: list,
    counters: { ...counters },
    memory: deps.memory(),
  };
}
