/**
 * The broker's client side: requests (the RZ correlation frame taken off,
 * duplicates suppressed), the fast path straight from the envelope to a
 * waiting worker, the queues with their bounds, and dispatch from them.
 * Private to the broker's core.
 *
 * @module
 */
import {
  COMMAND_FRAME,
  EMPTY,
  MDPW01,
  MdpWorkerCommand,
} from "../../protocol/mdp/codec.ts";
import { isMmiService } from "../../protocol/mmi/codec.ts";
import { CORRELATION_FRAME_BYTES, readCorrelationId } from "./correlation.ts";
import { answerMmi } from "./_broker_mmi.ts";
import { Sent } from "./_broker_out.ts";
import {
  FRAME_OVERHEAD_BYTES,
  hex,
  idKey,
  type Pending,
  REQUEST_OVERHEAD_BYTES,
  type Service,
} from "./_broker_services.ts";
import type { BrokerState, Worker } from "./_broker_state.ts";
import { leave } from "./_broker_workers.ts";
import type { MajordomoDropReason } from "./broker_types.ts";

const REQUEST = COMMAND_FRAME[MdpWorkerCommand.REQUEST];

export function onClient(
  st: BrokerState,
  now: number,
  live: number,
  over: boolean,
): void {
  const env = st.env;
  const c = st.rep.counters;
  c.requests++;
  const sf = env.serviceFrame;
  // A known service is never `mmi.*` (neither a request nor a READY adds
  // one), so the name is only looked at when the handle is unknown.
  let svc = st.svc.get(env.serviceHandle);
  if (svc === undefined && isMmiService(env.frame(sf))) {
    c.mmi++;
    return answerMmi(st.mmi, env, st.out, st.ev);
  }
  const bf = env.bodyFrame;
  const n = env.frameCount;
  let id = -1;
  let key: string | null = null;
  if (env.frameLength(bf) === CORRELATION_FRAME_BYTES) {
    id = readCorrelationId(env.frame(bf));
    if (id >= 0) {
      key = idKey(env.frame(0)) + ":" + id;
      if (st.svc.held.has(key)) {
        return st.rep.duplicate(env.frame(sf), env.frame(0), id);
      }
    }
  }
  if (st.svc.goneCount > 0) st.svc.heardFrom(env.frame(0));
  if (over) return drop(st, id, "frame-too-large");
  const from = id >= 0 ? bf + 1 : bf;
  if (from >= n) return drop(st, id, "empty-body");
  if (svc !== undefined && svc.requests.length === 0) {
    // Fast path: a waiting worker takes the request straight from the
    // envelope, without copying it.
    for (;;) {
      const w = st.reg.take(svc.handle, live, st.onExpired);
      if (w === undefined) break;
      const out = st.frames;
      out[0] = w.identity;
      out[1] = EMPTY;
      out[2] = MDPW01;
      out[3] = REQUEST;
      out[4] = env.frame(0);
      out[5] = EMPTY;
      let k = 6;
      for (let i = from; i < n; i++) out[k++] = env.frame(i);
      out.length = k;
      const r = st.out.send(out);
      if (r !== Sent.OK) {
        leave(st, w, "unreachable", false);
        continue;
      }
      w.lastSentAt = now;
      c.dispatched++;
      if (key !== null) {
        w.job = {
          client: st.svc.client(),
          corr: env.frame(bf).slice(),
          id,
          key,
        };
        st.svc.held.add(key);
      }
      if (st.ev.active) dispatched(st, svc, env.frame(0), id, w);
      return;
    }
    // An expiry on the way may have made the service forgettable.
    if (!st.svc.isLive(svc)) svc = undefined;
  }
  if (svc === undefined) {
    if (st.svc.size >= st.p.maxServices) {
      return drop(st, id, "max-services");
    }
    svc = st.svc.add(sf);
  }
  let bytes = REQUEST_OVERHEAD_BYTES + env.frameLength(0);
  for (let i = from; i < n; i++) {
    bytes += env.frameLength(i) + FRAME_OVERHEAD_BYTES;
  }
  const refused = st.svc.refusal(svc, bytes);
  if (refused !== null) {
    drop(st, id, refused);
    st.svc.maybeForget(svc);
    return;
  }
  const p: Pending = {
    client: st.svc.client(),
    corr: id >= 0 ? env.frame(bf).slice() : null,
    id,
    key,
    body: copyBody(env, from, n),
    bytes,
    expiresAt: now + st.p.requestTtlMs,
  };
  st.svc.push(svc, p);
  if (st.ev.active) {
    st.ev.emit({
      type: "request:queued",
      service: svc.nameText,
      client: hex(p.client),
      id,
      queued: svc.requests.length,
    });
  }
  st.dispatch(svc, now, live);
}

/**
 * Copies frames `from`..`n-1` of the envelope out of it: one copy of the
 * span they occupy (the transport writes a message's frames one after the
 * other) and a view per frame; frame by frame if they are not contiguous.
 */
function copyBody(
  env: BrokerState["env"],
  from: number,
  n: number,
): Uint8Array[] {
  const body: Uint8Array[] = new Array(n - from);
  const first = env.frame(from);
  let size = 0;
  for (let i = from; i < n; i++) {
    const f = i === from ? first : env.frame(i);
    if (f.buffer !== first.buffer || f.byteOffset !== first.byteOffset + size) {
      for (let j = from; j < n; j++) body[j - from] = env.frame(j).slice();
      return body;
    }
    body[i - from] = f;
    size += f.length;
  }
  const copy = new Uint8Array(first.buffer, first.byteOffset, size).slice();
  let off = 0;
  for (let i = 0; i < body.length; i++) {
    const len = body[i].length;
    body[i] = copy.subarray(off, off + len);
    off += len;
  }
  return body;
}

/** Drops the client request in the envelope (503 to an RZ client). */
export function drop(
  st: BrokerState,
  id: number,
  reason: MajordomoDropReason,
): void {
  const env = st.env;
  st.rep.dropped(env.frame(0), env.frame(env.serviceFrame), id, reason);
}

export function dispatched(
  st: BrokerState,
  svc: Service,
  client: Uint8Array,
  id: number,
  w: Worker,
): void {
  st.ev.emit({
    type: "request:dispatched",
    service: svc.nameText,
    client: hex(client),
    id,
    worker: hex(w.identity),
  });
}

/** Hands waiting requests of `svc` to its waiting workers. */
export function dispatch(
  st: BrokerState,
  svc: Service,
  now: number,
  live: number,
): void {
  // Nothing waiting (the usual case after a reply): no call into the core.
  if (svc.requests.length === 0 || st.reg.idleCount(svc.handle) === 0) return;
  const reqs = svc.requests;
  while (reqs.length > 0) {
    const r = reqs.peek()!;
    if (r.expiresAt <= now || st.svc.isGone(r.client)) {
      unqueue(st, svc, r.expiresAt <= now);
      continue;
    }
    const w = st.reg.take(svc.handle, live, st.onExpired);
    if (w === undefined) break;
    const out = st.frames;
    out[0] = w.identity;
    out[1] = EMPTY;
    out[2] = MDPW01;
    out[3] = REQUEST;
    out[4] = r.client;
    out[5] = EMPTY;
    const body = r.body;
    for (let i = 0; i < body.length; i++) out[6 + i] = body[i];
    out.length = 6 + body.length;
    const sent = st.out.send(out);
    if (sent !== Sent.OK) {
      leave(st, w, "unreachable", false);
      continue;
    }
    st.svc.shift(svc);
    w.lastSentAt = now;
    w.job = r.corr === null
      ? null
      : { client: r.client, corr: r.corr, id: r.id, key: r.key! };
    st.rep.counters.dispatched++;
    if (st.ev.active) dispatched(st, svc, r.client, r.id, w);
  }
}

/** Drops the oldest waiting request: expired, or its client is gone. */
export function unqueue(
  st: BrokerState,
  svc: Service,
  expired: boolean,
): void {
  const r = st.svc.shift(svc);
  if (r.key !== null) st.svc.held.delete(r.key);
  if (expired) st.rep.expired(svc, r);
  else st.rep.abandoned(svc, r);
}
