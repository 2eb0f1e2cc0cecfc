/**
 * The three TSP services as request handlers: body in, reply body out. They
 * never throw; every failure is a TSP status. Private.
 *
 * @module
 */
import type { EventHub } from "../_kit/events.ts";
import type { RateLimitedLog } from "../../_util/rate_limit.ts";
import {
  decodeStoreRequest,
  decodeUuidRequest,
  encodeTspReply,
  isTspService,
  newUuid,
  TSP_STATUS_FRAME,
} from "../../protocol/tsp/codec.ts";
import { ProtocolError } from "../../errors.ts";
import type { TitanicStore } from "./store/types.ts";
import type { Dispatcher } from "./_dispatcher.ts";
import type { TitanicEvent } from "./events.ts";

/** Counters of the three services. */
export interface ServiceCounters {
  /** `titanic.request`: stored (200), refused as invalid (400), not stored (500). */
  requests: { stored: number; invalid: number; failed: number };
  /** `titanic.reply`: 200, 300, 400, 500 answers. */
  replies: { ready: number; pending: number; unknown: number; failed: number };
  /** `titanic.close`: closed (200), invalid UUID (400), failed (500). */
  closes: { closed: number; invalid: number; failed: number };
}

/** What the handlers work with. */
export interface HandlerContext {
  readonly store: TitanicStore;
  readonly dispatcher: Dispatcher;
  readonly maxRequestBytes: number;
  readonly events: EventHub<TitanicEvent>;
  readonly limited: RateLimitedLog;
  readonly counters: ServiceCounters;
}

const OK = [TSP_STATUS_FRAME["200"]];
const PENDING = [TSP_STATUS_FRAME["300"]];
const UNKNOWN = [TSP_STATUS_FRAME["400"]];

function refuse(ctx: HandlerContext, reason: string) {
  ctx.counters.requests.invalid++;
  ctx.limited.warn("request:invalid", "titanic.request refused (400)", {
    reason,
  });
  if (ctx.events.active) {
    ctx.events.emit({ type: "request:refused", status: "400", reason });
  }
  return encodeTspReply("400", [reason]);
}

/**
 * `titanic.request`: checks, stores durably, queues for dispatch, and only
 * then answers 200 and the UUID.
 * @param ctx The service's parts.
 * @param body The MDP request body.
 * @returns The reply body.
 */
export async function handleRequest(
  ctx: HandlerContext,
  body: Uint8Array[],
): Promise<Uint8Array[]> {
  const req = decodeStoreRequest(body);
  if (req instanceof ProtocolError) return refuse(ctx, req.reason);
  if (isTspService(req.service)) {
    return refuse(ctx, `the target service may not be a titanic.* service`);
  }
  let size = 0;
  for (const f of req.body) size += f.length;
  if (size > ctx.maxRequestBytes) {
    return refuse(
      ctx,
      `request body is ${size} bytes, more than the ${ctx.maxRequestBytes} allowed`,
    );
  }
  const uuid = newUuid();
  try {
    await ctx.store.putRequest(uuid, req.service, req.body);
  } catch (e) {
    ctx.counters.requests.failed++;
    const reason = `not stored: ${e instanceof Error ? e.message : String(e)}`;
    ctx.limited.warn("request:failed", "titanic.request failed (500)", {
      reason,
    });
    if (ctx.events.active) {
      ctx.events.emit({ type: "request:refused", status: "500", reason });
    }
    return encodeTspReply("500", [reason]);
  }
  ctx.counters.requests.stored++;
  if (ctx.events.active) {
    ctx.events.emit({ type: "request:stored", uuid, service: req.service });
  }
  ctx.dispatcher.add(uuid, req.service);
  return encodeTspReply("200", [uuid]);
}

/**
 * `titanic.reply`: 200 and the stored reply, 300 while pending, 400 for an
 * unknown or closed UUID, 500 for a parked request or a read error.
 * Idempotent.
 * @param ctx The service's parts.
 * @param body The MDP request body.
 * @returns The reply body.
 */
export async function handleReply(
  ctx: HandlerContext,
  body: Uint8Array[],
): Promise<Uint8Array[]> {
  const r = decodeUuidRequest(body);
  if (r instanceof ProtocolError) {
    ctx.counters.replies.unknown++;
    ctx.limited.warn("reply:invalid", "titanic.reply: invalid request (400)", {
      reason: r.reason,
    });
    return encodeTspReply("400", [r.reason]);
  }
  try {
    const state = await ctx.store.lookup(r.uuid);
    if (state === undefined) {
      ctx.counters.replies.unknown++;
      return UNKNOWN;
    }
    if (state.state === "pending") {
      ctx.counters.replies.pending++;
      return PENDING;
    }
    if (state.state === "parked") {
      ctx.counters.replies.failed++;
      return encodeTspReply("500", [state.reason]);
    }
    const reply = await ctx.store.readReply(r.uuid);
    if (reply === undefined) { // closed meanwhile
      ctx.counters.replies.unknown++;
      return UNKNOWN;
    }
    ctx.counters.replies.ready++;
    return [TSP_STATUS_FRAME["200"], ...reply];
  } catch (e) {
    ctx.counters.replies.failed++;
    ctx.limited.warn("reply:failed", "titanic.reply failed (500)", {
      uuid: r.uuid,
      error: String(e),
    });
    return encodeTspReply("500", ["cannot read the reply"]);
  }
}

/**
 * `titanic.close`: deletes the request and reply; 200 even for an unknown
 * UUID, 400 for one that is not a UUID at all, 500 when the store fails.
 * @param ctx The service's parts.
 * @param body The MDP request body.
 * @returns The reply body (exactly one frame).
 */
export async function handleClose(
  ctx: HandlerContext,
  body: Uint8Array[],
): Promise<Uint8Array[]> {
  const r = decodeUuidRequest(body);
  if (r instanceof ProtocolError) {
    ctx.counters.closes.invalid++;
    ctx.limited.warn("close:invalid", "titanic.close: invalid request (400)", {
      reason: r.reason,
    });
    return UNKNOWN;
  }
  try {
    await ctx.store.remove(r.uuid);
  } catch (e) {
    ctx.counters.closes.failed++;
    ctx.limited.warn("close:failed", "titanic.close failed (500)", {
      uuid: r.uuid,
      error: String(e),
    });
    return [TSP_STATUS_FRAME["500"]];
  }
  ctx.counters.closes.closed++;
  if (ctx.events.active) {
    ctx.events.emit({ type: "request:closed", uuid: r.uuid });
  }
  return OK;
}
