/**
 * What both Pirate queue cores share: worker identities interned to
 * handles by the core's `Envelope`, the counters, and the port through
 * which a core talks to its shell. Private.
 *
 * @module
 */
import type { Envelope } from "../../core/mod.ts";
import type { PirateQueueEvent } from "./events.ts";

/** The one service of a Pirate queue's `WorkerQueue`. */
export const SERVICE = 0;

/** The interning part of the core's `Envelope`. */
export type Interner = Pick<Envelope, "internBytes" | "findBytes" | "release">;

/** What a queue core asks of its shell. */
export interface QueuePort {
  /**
   * Sends a heartbeat-like control message to a worker now, without
   * waiting.
   * @returns `"sent"`, `"blocked"` (its pipe is full: skipped) or `"gone"`
   * (its connection is gone).
   */
  control(id: Uint8Array, frames: Uint8Array[]): "sent" | "blocked" | "gone";
  /** Reports an event (after the counters that it reflects changed). */
  emit(e: PirateQueueEvent): void;
  /** A worker became idle: the frontend may read a client again. */
  idle(): void;
}

/** Counters a queue keeps (the stats minus the live worker counts). */
export interface QueueCounters {
  requests: number;
  replies: number;
  invalidFrontend: number;
  invalidBackend: number;
  oversize: number;
  expired: number;
  gone: number;
  droppedReplies: number;
}

/** Fresh counters. */
export function newCounters(): QueueCounters {
  return {
    requests: 0,
    replies: 0,
    invalidFrontend: 0,
    invalidBackend: 0,
    oversize: 0,
    expired: 0,
    gone: 0,
    droppedReplies: 0,
  };
}

/** A worker a queue core handed a request to. */
export interface TakenWorker {
  /** Its identity on the backend. */
  readonly id: Uint8Array;
  /** The identity as hex, for events. */
  readonly hex: string;
}

/** The dispatch half of a queue core, as the shell's frontend loop uses it. */
export interface DispatchCore {
  /** Workers waiting for a request. */
  readonly idleCount: number;
  /** Takes the least recently used idle worker (marks it busy). */
  take(now: number): TakenWorker | undefined;
  /** A send to a taken worker failed: its connection is gone. */
  gone(w: TakenWorker): void;
  /** The frames that carry client request `m` to worker `w`. */
  frames(w: TakenWorker, m: Uint8Array[]): Uint8Array[];
}

/**
 * Hex of an identity, for logs and events.
 * @param bytes The identity.
 * @returns Lower-case hex.
 */
export function hex(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) {
    s += bytes[i].toString(16).padStart(2, "0");
  }
  return s;
}
