/**
 * The ZAP decision core (RFC 27): parses a request, decides it against the
 * policy registered for its domain, counts the decision. No sockets; the
 * handler in zap.ts feeds it frames and sends back what it returns.
 *
 * @module
 */
import type { AddressMatcher } from "./_address.ts";

const Z85 =
  "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

/**
 * Z85-encodes bytes (a multiple of 4 long), as ZeroMQ RFC 32.
 * @param data The bytes.
 * @returns The text (5 characters per 4 bytes).
 * @internal
 */
export function z85Encode(data: Uint8Array): string {
  if (data.length % 4 !== 0) throw new RangeError("z85: length % 4 != 0");
  let out = "";
  for (let i = 0; i < data.length; i += 4) {
    let v = ((data[i] << 24) >>> 0) + (data[i + 1] << 16) +
      (data[i + 2] << 8) + data[i + 3];
    const chunk: string[] = new Array(5);
    for (let k = 4; k >= 0; k--) {
      chunk[k] = Z85[v % 85];
      v = Math.floor(v / 85);
    }
    out += chunk.join("");
  }
  return out;
}

/** What a server socket's policy admits. @internal */
export interface ZapPolicy {
  /** Addresses admitted; when non-empty, every other address is refused. */
  ipAllow: AddressMatcher;
  /** Addresses refused (checked when `ipAllow` is empty). */
  ipDeny: AddressMatcher;
  /** PLAIN users and their passwords; undefined: PLAIN refused. */
  plain?: ReadonlyMap<string, string>;
  /** CURVE client keys (Z85) admitted, or any key; undefined: CURVE refused. */
  curve?: ReadonlySet<string> | "any";
}

/** Why a connection was refused. */
export type ZapRefusal =
  | "bad-request"
  | "unknown-domain"
  | "address-not-allowed"
  | "address-denied"
  | "mechanism-not-allowed"
  | "unknown-user"
  | "wrong-password"
  | "unknown-key";

/** One ZAP request (RFC 27), parsed. @internal */
export interface ZapRequest {
  /** Frame for the reply. */
  requestId: Uint8Array;
  /** The server socket's `ZMQ_ZAP_DOMAIN`. */
  domain: string;
  /** The peer's IP address. */
  address: string;
  /** The peer's declared routing id (not authenticated). */
  identity: Uint8Array;
  /** `"NULL"`, `"PLAIN"` or `"CURVE"`. */
  mechanism: string;
  /** The mechanism's credentials. */
  credentials: Uint8Array[];
}

/** A decision on one request. */
export interface ZapDecision {
  /** Admitted or not. */
  allowed: boolean;
  /** The RFC 27 status code: `"200"`, `"400"` (refused) or `"500"` (bad request). */
  status: "200" | "400" | "500";
  /** Why (for the peer's log and ours). */
  text: string;
  /** The authenticated identity: the CURVE key (Z85), the PLAIN user, `""` for NULL. */
  userId: string;
  /** The server socket's ZAP domain. */
  domain: string;
  /** The peer's IP address. */
  address: string;
  /** `"NULL"`, `"PLAIN"` or `"CURVE"`. */
  mechanism: string;
  /** Why it was refused (absent when admitted). */
  reason?: ZapRefusal;
}

/** Counters of one domain (or all). */
export interface ZapCounters {
  /** Connections admitted. */
  allowed: number;
  /** Connections refused. */
  refused: number;
  /** Refusals by reason. */
  refusedBy: Partial<Record<ZapRefusal, number>>;
}

/** A fresh set of counters. @internal */
export function zapCounters(): ZapCounters {
  return { allowed: 0, refused: 0, refusedBy: {} };
}

const td = new TextDecoder();

/**
 * Parses a ZAP request as the handler's ROUTER receives it:
 * `[peer, "", "1.0", requestId, domain, address, identity, mechanism,
 * credentials...]`.
 * @param frames The frames after the ROUTER's peer id and empty delimiter.
 * @returns The request, or why it is malformed (with the request id when
 *   one could be read, to answer `500`).
 * @internal
 */
export function parseZapRequest(
  frames: readonly Uint8Array[],
): ZapRequest | { error: string; requestId?: Uint8Array } {
  if (frames.length < 6) {
    return {
      error: `a ZAP request has at least 6 frames, got ${frames.length}`,
      requestId: frames[1],
    };
  }
  const version = td.decode(frames[0]);
  if (version !== "1.0") {
    return {
      error: `ZAP version must be "1.0", got ${JSON.stringify(version)}`,
      requestId: frames[1],
    };
  }
  return {
    requestId: frames[1],
    domain: td.decode(frames[2]),
    address: td.decode(frames[3]),
    identity: frames[4],
    mechanism: td.decode(frames[5]),
    credentials: frames.slice(6) as Uint8Array[],
  };
}

/**
 * The decisions: one policy per ZAP domain, counters per domain and in
 * total.
 * @internal
 */
export class ZapCore {
  readonly #policies = new Map<string, ZapPolicy>();
  readonly #counters = new Map<string, ZapCounters>();
  /** All domains together (removed ones included). */
  readonly total: ZapCounters = zapCounters();

  /** Registers (or replaces) the policy of a domain. */
  set(domain: string, policy: ZapPolicy): void {
    this.#policies.set(domain, policy);
    if (!this.#counters.has(domain)) this.#counters.set(domain, zapCounters());
  }

  /** Forgets a domain: its connections are refused from now on. */
  delete(domain: string): void {
    this.#policies.delete(domain);
    this.#counters.delete(domain);
  }

  /** Domains registered. */
  get size(): number {
    return this.#policies.size;
  }

  /** The counters of a domain (undefined when unknown). */
  counters(domain: string): ZapCounters | undefined {
    return this.#counters.get(domain);
  }

  /**
   * Decides one request and counts the decision.
   * @param req The parsed request.
   * @returns The decision.
   */
  decide(req: ZapRequest): ZapDecision {
    const d = this.#decide(req);
    for (const c of [this.total, this.#counters.get(req.domain)]) {
      if (!c) continue;
      if (d.allowed) c.allowed++;
      else {
        c.refused++;
        c.refusedBy[d.reason!] = (c.refusedBy[d.reason!] ?? 0) + 1;
      }
    }
    return d;
  }

  /** Counts a request that could not be parsed. */
  countBad(): void {
    this.total.refused++;
    this.total.refusedBy["bad-request"] =
      (this.total.refusedBy["bad-request"] ??
        0) + 1;
  }

  #decide(req: ZapRequest): ZapDecision {
    const base = {
      domain: req.domain,
      address: req.address,
      mechanism: req.mechanism,
    };
    const refuse = (reason: ZapRefusal, text: string, userId = "") => ({
      ...base,
      allowed: false,
      status: "400" as const,
      text,
      userId,
      reason,
    });
    const policy = this.#policies.get(req.domain);
    if (!policy) {
      return refuse(
        "unknown-domain",
        `no policy for ZAP domain ${JSON.stringify(req.domain)}`,
      );
    }
    if (policy.ipAllow.size > 0) {
      if (!policy.ipAllow.has(req.address)) {
        return refuse("address-not-allowed", "address not in the allow list");
      }
    } else if (policy.ipDeny.has(req.address)) {
      return refuse("address-denied", "address in the deny list");
    }
    switch (req.mechanism) {
      case "NULL":
        if (policy.curve !== undefined || policy.plain !== undefined) {
          return refuse("mechanism-not-allowed", "NULL is not allowed here");
        }
        return {
          ...base,
          allowed: true,
          status: "200",
          text: "OK",
          userId: "",
        };
      case "PLAIN": {
        if (!policy.plain) {
          return refuse("mechanism-not-allowed", "PLAIN is not allowed here");
        }
        if (req.credentials.length !== 2) {
          return refuse("bad-request", "PLAIN needs a user and a password");
        }
        const user = td.decode(req.credentials[0]);
        const password = td.decode(req.credentials[1]);
        const want = policy.plain.get(user);
        if (want === undefined) {
          return refuse("unknown-user", "unknown user", user);
        }
        if (!constantTimeEqual(want, password)) {
          return refuse("wrong-password", "wrong password", user);
        }
        return {
          ...base,
          allowed: true,
          status: "200",
          text: "OK",
          userId: user,
        };
      }
      case "CURVE": {
        if (!policy.curve) {
          return refuse("mechanism-not-allowed", "CURVE is not allowed here");
        }
        if (req.credentials.length !== 1 || req.credentials[0].length !== 32) {
          return refuse("bad-request", "CURVE needs one 32-byte key");
        }
        const key = z85Encode(req.credentials[0]);
        if (policy.curve !== "any" && !policy.curve.has(key)) {
          return refuse("unknown-key", "client key not in the allow list", key);
        }
        return {
          ...base,
          allowed: true,
          status: "200",
          text: "OK",
          userId: key,
        };
      }
      default:
        return refuse(
          "mechanism-not-allowed",
          `unknown mechanism ${JSON.stringify(req.mechanism)}`,
        );
    }
  }
}

function constantTimeEqual(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  }
  return diff === 0;
}
