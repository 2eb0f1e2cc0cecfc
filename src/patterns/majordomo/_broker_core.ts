/**
 * The Majordomo broker's decisions, without a socket or a timer: it is
 * driven by the message held in the core's `Envelope` (`onMessage`) and by
 * time (`tick`), both given `now` by the shell, and it says what to send
 * through a synchronous {@linkcode BrokerOutput} whose answer (sent, peer's
 * queue full, peer gone) feeds the next decision. The shell (`broker.ts`)
 * owns the ROUTER, the timer and the loop; tests drive this core under a
 * `FakeClock` with a recording output.
 *
 * Worker liveness is judged on the broker's running time (the kit's
 * `RunningClock`): a gap between two calls longer than one heartbeat
 * interval counts as one interval, so a paused broker never charges workers
 * for silence it did not witness. Request TTLs use real time.
 *
 * @module
 */
import type { Envelope, WorkerQueue } from "../../core/mod.ts";
import { MessageKind } from "../../core/mod.ts";
import {
  COMMAND_FRAME,
  EMPTY,
  MDPW01,
  MdpWorkerCommand,
} from "../../protocol/mdp/codec.ts";
import type { Logger } from "../../_util/logger.ts";
import type { RateLimitedLog } from "../../_util/rate_limit.ts";
import type { EventHub } from "../_kit/events.ts";
import { RunningClock } from "../_kit/liveness.ts";
import { type ExpiryCause, WorkerRegistry } from "../_kit/registry.ts";
import type { BrokerPolicy } from "./_broker_policy.ts";
import { ServiceTable } from "./_broker_services.ts";
import type { MmiContext } from "./_broker_mmi.ts";
import { Sent, snapshot } from "./_broker_out.ts";
import { BrokerReport } from "./_broker_report.ts";
import type { BrokerOutput, BrokerState, Worker } from "./_broker_state.ts";
import { dispatch, onClient, unqueue } from "./_broker_clients.ts";
import {
  disconnectSender,
  forget,
  leave,
  onWorker,
} from "./_broker_workers.ts";
import type {
  MajordomoBrokerCounters,
  MajordomoBrokerEvent,
  MajordomoBrokerStats,
  MajordomoCoreImpl,
  MajordomoWorkerInfo,
} from "./broker_types.ts";
import { hex } from "./_broker_services.ts";

export { Sent } from "./_broker_out.ts";
export type { SendResult } from "./_broker_out.ts";
export type { BrokerOutput } from "./_broker_state.ts";

/** What the core is built from. */
export interface BrokerCoreDeps {
  readonly env: Envelope;
  readonly queue: WorkerQueue;
  readonly policy: BrokerPolicy;
  readonly out: BrokerOutput;
  readonly log: Logger;
  readonly bad: RateLimitedLog;
  readonly events: EventHub<MajordomoBrokerEvent>;
  readonly impl: MajordomoCoreImpl;
  readonly instance: string;
  readonly memory: () => MajordomoBrokerStats["memory"];
  /** The `admit` option (Binary Star): serve this message now? */
  readonly admit?: (from: "client" | "worker") => boolean;

  /** Whether the sender of the READY at hand may register; absent: all. */
  readonly workerAllowed?: () => boolean;
  /** Called for each client request before it is handled (attribution). */
  readonly onClientRequest?: () => void;
}

const HEARTBEAT = COMMAND_FRAME[MdpWorkerCommand.HEARTBEAT];

/** The broker's state and decisions. */
export class BrokerCore implements MmiContext {
  readonly #st: BrokerState;
  readonly #deps: BrokerCoreDeps;
  readonly #time: RunningClock;
  readonly #hb: number;
  readonly #expiry: number;
  /** When `tick` should run next (real time). */
  nextTickAt = -Infinity;

  /** @param deps Envelope, worker queue, policy, output, logs, events. */
  constructor(deps: BrokerCoreDeps) {
    this.#deps = deps;
    const p = deps.policy;
    this.#hb = p.heartbeatIntervalMs;
    this.#expiry = this.#hb * p.liveness;
    this.#time = new RunningClock(this.#hb);
    const svc = new ServiceTable(deps.env, p);
    const st: BrokerState = {
      env: deps.env,
      out: deps.out,
      p,
      ev: deps.events,
      svc,
      mmi: this,
      rep: new BrokerReport(
        (f) => deps.out.send(f),
        deps.log,
        deps.bad,
        deps.events,
        p,
        (client) => svc.markGone(client),
      ),
      reg: new WorkerRegistry<Worker>(deps.queue, {
        heartbeatIntervalMs: this.#hb,
        liveness: p.liveness,
        expireBusy: p.expireBusyWorkers,
        maxBusyMs: Infinity,
      }),
      onExpired: (w: Worker, cause: ExpiryCause) => {
        st.rep.workerExpired(w, cause);
        forget(st, w);
      },
      dispatch: (s, now, live) => dispatch(st, s, now, live),
      workerAllowed: deps.workerAllowed,
      frames: [],
    };
    this.#st = st;
  }

  /** The counters (live object; `stats` copies it). */
  get counters(): MajordomoBrokerCounters {
    return this.#st.rep.counters;
  }

  /** The broker's random id for this start. */
  get instance(): string {
    return this.#deps.instance;
  }

  /** The frame limit advertised in `mmi.rz`. */
  get maxFrameBytes(): number {
    return this.#st.p.maxFrameBytes;
  }

  /**
   * @param handle An interned service name, or -1.
   * @returns Whether a worker is registered for it.
   */
  hasWorkers(handle: number): boolean {
    const s = this.#st.svc.get(handle);
    return s !== undefined && s.workers > 0;
  }

  /** @returns A snapshot of the state (see {@linkcode MajordomoBrokerStats}). */
  stats(): MajordomoBrokerStats {
    const st = this.#st;
    return snapshot(this.#deps, st.reg, st.svc, st.rep.counters);
  }

  /**
   * The registered workers (not on the hot path: it walks the registry).
   * @param limit Most workers listed.
   * @returns One entry per worker, in registration order.
   */
  workerList(limit = Infinity): MajordomoWorkerInfo[] {
    const list: MajordomoWorkerInfo[] = [];
    const now = this.#time.now;
    for (const w of this.#st.reg.values()) {
      if (list.length >= limit) break;
      list.push({
        service: w.svc.nameText,
        worker: hex(w.identity),
        busy: w.busy,
        heardMsAgo: Math.max(0, Math.round(now - w.lastHeardAt)),
        busyMs: w.busy ? Math.max(0, Math.round(now - w.busySince)) : 0,
      });
    }
    return list;
  }

  /** Liveness time at `now`; reports a pause longer than the expiry window. */
  #advance(now: number): number {
    const live = this.#time.advance(now);
    const gap = this.#time.lastGap;
    if (gap >= this.#expiry && this.#st.reg.size > 0) {
      this.#st.rep.paused(gap, this.#expiry);
    }
    return live;
  }

  /**
   * Handles the message held in the envelope.
   * @param now The current time (ms).
   * @param totalBytes The message's size (frame sizes summed); messages
   * larger than `maxFrameBytes` get their frames checked against it.
   */
  onMessage(now: number, totalBytes: number): void {
    const st = this.#st;
    const live = this.#advance(now);
    const env = st.env;
    const kind = env.classifyMdp();
    const over = totalBytes > st.p.maxFrameBytes && this.#oversize();
    const admit = this.#deps.admit;
    if (
      admit !== undefined &&
      (kind === MessageKind.MDP_CLIENT || kind === MessageKind.MDP_WORKER) &&
      !admit(kind === MessageKind.MDP_CLIENT ? "client" : "worker")
    ) {
      st.rep.counters.notAdmitted++;
      if (kind === MessageKind.MDP_WORKER) {
        const w = st.reg.get(env.find(0));
        if (w) leave(st, w, "closing", true);
        else if (env.command !== MdpWorkerCommand.DISCONNECT) {
          disconnectSender(st);
        }
      }
      return;
    }
    if (kind === MessageKind.MDP_CLIENT) {
      this.#deps.onClientRequest?.();
      return onClient(st, now, live, over);
    }
    if (
      kind === MessageKind.MDP_WORKER &&
      (!over || env.command === MdpWorkerCommand.REPLY)
    ) {
      return onWorker(st, now, live, over);
    }
    if (over) return;
    const w = st.reg.get(env.frameCount > 0 ? env.find(0) : -1);
    if (env.frameCount === 2 && env.frameLength(1) === 0) {
      // `[id][""]`: the ROUTER's disconnect notification (ZMQ_ROUTER_NOTIFY)
      // or an empty message, which no 7/MDP peer sends. The peer is gone:
      // its waiting requests are dropped unrun, a worker is forgotten now.
      st.svc.markGone(env.frame(0));
      st.rep.counters.peersGone++;
      if (w) leave(st, w, "unreachable", false);
      return;
    }
    st.rep.invalid(env.errorReason, env.errorFrame, w !== undefined);
    if (w) leave(st, w, "protocol", true);
  }

  /** Whether a frame is over the limit (then counted and logged). */
  #oversize(): boolean {
    const env = this.#st.env;
    let largest = 0;
    for (let i = 0; i < env.frameCount; i++) {
      largest = Math.max(largest, env.frameLength(i));
    }
    if (largest <= this.#st.p.maxFrameBytes) return false;
    this.#st.rep.oversize(largest);
    return true;
  }

  /**
   * Expires silent workers, heartbeats the workers that are due and drops
   * requests past their TTL. The shell calls it every heartbeat interval,
   * after handling the messages already waiting.
   * @param now The current time (ms).
   */
  tick(now: number): void {
    const st = this.#st;
    this.nextTickAt = now + this.#hb;
    const live = this.#advance(now);
    st.reg.sweep(live, st.onExpired);
    const due = now - this.#hb / 2;
    for (const w of st.reg.values()) {
      if (w.lastSentAt > due) continue;
      const r = st.out.send([w.identity, EMPTY, MDPW01, HEARTBEAT]);
      if (r === Sent.OK) w.lastSentAt = now;
      else if (r === Sent.GONE) leave(st, w, "unreachable", false);
    }
    for (const svc of [...st.svc.queued]) {
      const reqs = svc.requests;
      while (reqs.length > 0 && reqs.peek()!.expiresAt <= now) {
        unqueue(st, svc, true);
      }
      st.svc.maybeForget(svc);
    }
  }

  /** Sends DISCONNECT to every worker and forgets them (broker closing). */
  disconnectAll(): void {
    const st = this.#st;
    for (const w of [...st.reg.values()]) leave(st, w, "closing", true);
  }
}
