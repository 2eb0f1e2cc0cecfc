/**
 * The ZAP handler (ZeroMQ RFC 27): a ROUTER on `inproc://zeromq.zap.01` in
 * the process's libzmq context, served by the main thread's reactor, that
 * libzmq asks about every new connection to a server socket with a ZAP
 * domain. It starts with the first secure server socket of the process and
 * stops when the last one is closed.
 *
 * Each secure server socket registers a policy under its own ZAP domain;
 * the handler decides each request against its domain's policy (a pure
 * core, `_zap_core.ts`), answers `200` with the authenticated identity as
 * `User-Id` (the CURVE key in Z85, the PLAIN user name) or `400`, counts
 * every decision and logs every refusal (who, from where, why) through a
 * rate limiter.
 *
 * @module
 */
import { ClosedError } from "../errors.ts";
import { RouterSocket } from "../transport/mod.ts";
import type { Logger } from "../_util/logger.ts";
import { type Clock, realClock } from "../_util/clock.ts";
import { RateLimitedLog } from "../_util/rate_limit.ts";
import {
  parseZapRequest,
  ZapCore,
  type ZapCounters,
  type ZapDecision,
  type ZapPolicy,
} from "./_zap_core.ts";

export type { ZapCounters, ZapDecision, ZapRefusal } from "./_zap_core.ts";

/** Where libzmq sends ZAP requests (RFC 27). */
export const ZAP_ENDPOINT = "inproc://zeromq.zap.01";

/** How one registration reports its decisions. @internal */
export interface ZapHooks {
  /** The ZAP domain; default a new unique one. */
  domain?: string;
  /** Where refusals (warn, rate-limited) and admissions (debug) go. */
  logger: Logger;
  /** The rate limiter's clock. @default realClock */
  clock?: Clock;
  /** Called with every decision of this domain. */
  onDecision?: (decision: ZapDecision) => void;
}

/** A policy registered with the handler; `release()` once its socket is closed. @internal */
export interface ZapRegistration {
  /** The ZAP domain to set on the socket. */
  readonly domain: string;
  /** Decisions of this domain so far. */
  readonly counters: ZapCounters;
  /**
   * Replaces the policy: connections handshaking from now on are decided
   * against the new one (open connections are not touched).
   */
  update(policy: ZapPolicy): void;
  /** Forgets the policy; the handler stops with the last one. Idempotent. */
  release(): void;
}

interface Reg {
  log: Logger;
  bad: RateLimitedLog;
  onDecision?: (d: ZapDecision) => void;
}

class Handler {
  readonly core = new ZapCore();
  readonly regs = new Map<string, Reg>();
  readonly sock: RouterSocket;
  closed = false;
  fallback: Reg | undefined;

  constructor() {
    this.sock = new RouterSocket({ lingerMs: 0 });
    try {
      this.sock.bind(ZAP_ENDPOINT);
    } catch (e) {
      this.sock.close();
      throw e;
    }
    void this.#run();
  }

  async #run(): Promise<void> {
    const enc = new TextEncoder();
    const status = {
      "200": enc.encode("200"),
      "400": enc.encode("400"),
      "500": enc.encode("500"),
    };
    while (!this.closed) {
      let msg: Uint8Array[];
      try {
        msg = await this.sock.receive();
      } catch (e) {
        if (e instanceof ClosedError || this.closed) break;
        this.fallback?.log.error("ZAP handler receive failed", {
          error: String(e),
        });
        continue;
      }
      const [peer, , ...rest] = msg;
      const req = parseZapRequest(rest);
      let reply: (Uint8Array | string)[];
      if ("error" in req) {
        this.core.countBad();
        this.fallback?.bad.warn("zap-bad", "malformed ZAP request", {
          error: req.error,
        });
        if (req.requestId === undefined) continue;
        reply = [
          peer,
          "",
          "1.0",
          req.requestId,
          status["500"],
          req.error,
          "",
          "",
        ];
      } else {
        const d = this.core.decide(req);
        const reg = this.regs.get(req.domain) ?? this.fallback;
        if (reg) {
          const fields = {
            domain: d.domain,
            address: d.address,
            mechanism: d.mechanism,
            userId: d.userId,
          };
          if (d.allowed) reg.log.debug("connection admitted", fields);
          else {
            reg.bad.warn(
              `zap-${d.reason}`,
              `connection refused: ${d.text}`,
              { ...fields, reason: d.reason },
            );
          }
          if (this.regs.has(req.domain)) {
            try {
              reg.onDecision?.(d);
            } catch (e) {
              reg.log.error("ZAP onDecision listener threw", {
                error: String(e),
              });
            }
          }
        }
        reply = [
          peer,
          "",
          "1.0",
          req.requestId,
          status[d.status],
          d.text,
          d.userId,
          "",
        ];
      }
      try {
        await this.sock.send(reply);
      } catch (e) {
        if (e instanceof ClosedError || this.closed) break;
      }
    }
  }

  close(): void {
    this.closed = true;
    for (const r of this.regs.values()) r.bad.flush();
    // libzmq frees an inproc name on close only later, in its reaper thread,
    // but at once on unbind: without this, a secure socket opened right
    // after the last one closed finds the endpoint taken (EADDRINUSE).
    if (!this.sock.closed) {
      try {
        this.sock.unbind(ZAP_ENDPOINT);
      } catch {
        // closing anyway
      }
    }
    this.sock.close();
  }
}

let handler: Handler | undefined;
let nextDomain = 1;
/** Totals over every handler this process ran. */
const history: ZapCounters = { allowed: 0, refused: 0, refusedBy: {} };

function addInto(into: ZapCounters, from: ZapCounters): void {
  into.allowed += from.allowed;
  into.refused += from.refused;
  for (const [k, v] of Object.entries(from.refusedBy)) {
    const key = k as keyof ZapCounters["refusedBy"];
    into.refusedBy[key] = (into.refusedBy[key] ?? 0) + (v ?? 0);
  }
}

/**
 * Registers a policy under a ZAP domain, starting the handler if it is not
 * running. Call it before the socket binds, and `release()` after the
 * socket is closed.
 * @param policy What the domain admits.
 * @param hooks Domain, logger, decision listener.
 * @returns The registration.
 * @throws {TypeError} When the domain is already registered.
 * @throws {ZmqError} When another ZAP handler holds the endpoint.
 * @internal
 */
export function registerZapPolicy(
  policy: ZapPolicy,
  hooks: ZapHooks,
): ZapRegistration {
  if (handler === undefined || handler.closed || handler.sock.closed) {
    if (handler && !handler.closed) {
      // Its socket was closed under it (shutdown()): keep its counts.
      addInto(history, handler.core.total);
      handler.close();
    }
    handler = new Handler();
  }
  const h = handler;
  const domain = hooks.domain ?? `reliable-zmq.${nextDomain++}`;
  if (h.regs.has(domain)) {
    throw new TypeError(
      `ZAP domain ${
        JSON.stringify(domain)
      } is already in use by another socket`,
    );
  }
  const reg: Reg = {
    log: hooks.logger,
    bad: new RateLimitedLog(hooks.logger, hooks.clock ?? realClock),
    onDecision: hooks.onDecision,
  };
  h.regs.set(domain, reg);
  h.fallback ??= reg;
  h.core.set(domain, policy);
  const counters = h.core.counters(domain)!;
  let released = false;
  return {
    domain,
    counters,
    update(policy: ZapPolicy) {
      if (!released) h.core.set(domain, policy);
    },
    release() {
      if (released) return;
      released = true;
      reg.bad.flush();
      h.regs.delete(domain);
      h.core.delete(domain);
      if (h.fallback === reg) h.fallback = h.regs.values().next().value;
      if (h.regs.size === 0 && !h.closed) {
        addInto(history, h.core.total);
        h.close();
        if (handler === h) handler = undefined;
      }
    },
  };
}

/** What {@linkcode zapStats} reports. */
export interface ZapStats {
  /** Whether the handler is running (some secure server socket is open). */
  running: boolean;
  /** Server sockets (ZAP domains) registered now. */
  domains: number;
  /** Decisions since the process started, over every domain. */
  total: ZapCounters;
}

/**
 * The ZAP handler's counters: connections admitted and refused (by reason)
 * since the process started, over every secure server socket. Each
 * pattern also reports its own (its `securityStats`).
 *
 * @returns A snapshot.
 * @example
 * ```ts
 * import { zapStats } from "@reliable/zmq";
 * const s = zapStats();
 * console.log(typeof s.running, s.total.refused >= 0); // "boolean" true
 * ```
 */
export function zapStats(): ZapStats {
  const total: ZapCounters = { allowed: 0, refused: 0, refusedBy: {} };
  addInto(total, history);
  if (handler && !handler.closed) addInto(total, handler.core.total);
  return {
    running: handler !== undefined && !handler.closed,
    domains: handler?.regs.size ?? 0,
    total,
  };
}
