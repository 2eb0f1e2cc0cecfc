/**
 * The broker's worker side: READY, REPLY (with the RZ correlation frame put
 * back, or an error reply), HEARTBEAT, DISCONNECT, and what happens to the
 * request a worker held when it leaves (`502` to an RZ client). Private to
 * the broker's core.
 *
 * @module
 */
import {
  COMMAND_FRAME,
  EMPTY,
  MDPC01,
  MDPW01,
  MdpWorkerCommand,
} from "../../protocol/mdp/codec.ts";
import { isMmiService } from "../../protocol/mmi/codec.ts";
import { isWorkerErrorFrame, RzErrorCode } from "./correlation.ts";
import { Sent } from "./_broker_out.ts";
import { hex } from "./_broker_services.ts";
import type { BrokerState, Worker } from "./_broker_state.ts";
import type { MajordomoWorkerLeaveReason } from "./broker_types.ts";

const DISCONNECT = COMMAND_FRAME[MdpWorkerCommand.DISCONNECT];
const td = new TextDecoder();

export function onWorker(
  st: BrokerState,
  now: number,
  live: number,
  over: boolean,
): void {
  const env = st.env;
  const w = st.reg.get(env.senderHandle);
  switch (env.command) {
    case MdpWorkerCommand.READY:
      if (w !== undefined) return leave(st, w, "protocol", true);
      return ready(st, now, live);
    case MdpWorkerCommand.REPLY:
      if (w === undefined || !w.busy) {
        if (w !== undefined) return leave(st, w, "protocol", true);
        return disconnectSender(st);
      }
      return reply(st, w, now, live, over);
    case MdpWorkerCommand.HEARTBEAT:
      if (w === undefined) return disconnectSender(st);
      st.reg.heard(w, live);
      return;
    case MdpWorkerCommand.DISCONNECT:
      if (w !== undefined) leave(st, w, "disconnect", false);
      return;
    default: // REQUEST from a worker: valid but unexpected
      if (w !== undefined) return leave(st, w, "protocol", true);
      return disconnectSender(st);
  }
}

export function ready(
  st: BrokerState,
  now: number,
  live: number,
): void {
  const env = st.env;
  const sf = env.serviceFrame;
  let refused:
    | "max-workers"
    | "max-services"
    | "mmi-service"
    | "not-authorized"
    | null = null;
  let svc = st.svc.get(env.serviceHandle);
  if (st.workerAllowed !== undefined && !st.workerAllowed()) {
    refused = "not-authorized";
  } else if (isMmiService(env.frame(sf))) refused = "mmi-service";
  else if (st.reg.size >= st.p.maxWorkers) refused = "max-workers";
  else if (svc === undefined && st.svc.size >= st.p.maxServices) {
    refused = "max-services";
  }
  if (refused !== null) {
    st.rep.refused(env.frame(sf), env.frame(0), refused);
    return disconnectSender(st);
  }
  svc ??= st.svc.add(sf);
  const w: Worker = {
    handle: st.svc.acquire(env.intern(0)),
    service: svc.handle,
    svc,
    identity: env.frame(0).slice(),
    busy: false,
    lastHeardAt: live,
    busySince: 0,
    lastSentAt: now,
    job: null,
  };
  st.reg.add(w, live);
  svc.workers++;
  if (st.ev.active) {
    st.ev.emit({
      type: "worker:ready",
      service: svc.nameText,
      worker: hex(w.identity),
    });
  }
  st.dispatch(svc, now, live);
}

export function reply(
  st: BrokerState,
  w: Worker,
  now: number,
  live: number,
  over: boolean,
): void {
  const env = st.env;
  const job = w.job;
  const bf = env.bodyFrame;
  if (job !== null && !env.frameEquals(env.addressFrame, job.client)) {
    // It answered another request than the one it holds: not 7/MDP.
    return leave(st, w, "protocol", true);
  }
  w.job = null;
  const failed = over ||
    (env.frameLength(bf) === 4 && isWorkerErrorFrame(env.frame(bf)));
  const client = job ? job.client : env.frame(env.addressFrame);
  const id = job ? job.id : -1;
  if (failed) st.rep.counters.handlerErrors++;
  if (job !== null) st.svc.held.delete(job.key);
  if (failed && job !== null) {
    const text = over
      ? `the reply has a frame over ${st.p.maxFrameBytes} bytes`
      : bf + 1 < env.frameCount
      ? td.decode(env.frame(bf + 1))
      : "the handler failed";
    st.rep.error(client, w.svc.name, id, RzErrorCode.HANDLER_FAILED, text);
  } else if (failed) {
    st.rep.unanswered(w.svc.nameText);
  } else {
    const out = st.frames;
    out[0] = client;
    out[1] = EMPTY;
    out[2] = MDPC01;
    out[3] = w.svc.name;
    let k = 4;
    if (job) out[k++] = job.corr;
    for (let i = bf, n = env.frameCount; i < n; i++) out[k++] = env.frame(i);
    out.length = k;
    const r = st.out.send(out);
    if (r === Sent.OK) st.rep.counters.replies++;
    else st.rep.unroutable(client, w.svc.nameText, id, r);
  }
  if (st.ev.active) {
    st.ev.emit({
      type: "request:answered",
      service: w.svc.nameText,
      client: hex(client),
      id,
      worker: hex(w.identity),
      failed,
    });
  }
  st.reg.idle(w, live);
  st.dispatch(w.svc, now, live);
}

/** A worker leaves: optionally told so with DISCONNECT. */
export function leave(
  st: BrokerState,
  w: Worker,
  reason: MajordomoWorkerLeaveReason,
  tell: boolean,
): void {
  if (!st.reg.remove(w)) return;
  if (tell) {
    st.rep.counters.disconnectsSent++;
    st.out.send([w.identity, EMPTY, MDPW01, DISCONNECT]);
  }
  st.rep.workerLeft(w, reason);
  forget(st, w);
}

/** Frees what a removed worker held; its request is lost (502 to RZ). */
export function forget(
  st: BrokerState,
  w: Worker,
): void {
  const job = w.job;
  w.job = null;
  if (w.busy) st.rep.lost(w, job ? job.client : null, job ? job.id : -1);
  if (job !== null) {
    st.svc.held.delete(job.key);
    st.rep.error(
      job.client,
      w.svc.name,
      job.id,
      RzErrorCode.WORKER_LOST,
      `the worker of "${w.svc.nameText}" holding the request is gone; retry`,
    );
  }
  st.svc.unref(w.handle);
  w.svc.workers--;
  st.svc.maybeForget(w.svc);
}

/** DISCONNECT to the sender of the current message (not registered). */
export function disconnectSender(
  st: BrokerState,
): void {
  st.rep.counters.disconnectsSent++;
  st.out.send([st.env.frame(0), EMPTY, MDPW01, DISCONNECT]);
}
