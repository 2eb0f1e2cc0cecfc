/**
 * Reads and checks {@linkcode MajordomoBrokerOptions} once, with the
 * library's one option checker, into the plain numbers the broker's core
 * and shell use. Private.
 *
 * @module
 */
import * as opt from "../../_util/options.ts";
import type { Clock } from "../../_util/clock.ts";
import type { Logger } from "../../_util/logger.ts";
import type { RouterSocketOptions } from "../../transport/mod.ts";
import {
  admittedIdentities,
  readAllowList,
  readServerSecurity,
  refuseSecurityOverrides,
  type ServerSecurityPlan,
} from "../../security/settings.ts";
import type {
  MajordomoBrokerEvent,
  MajordomoBrokerOptions,
} from "./broker_types.ts";

/** The decisions' parameters (what the core needs). */
export interface BrokerPolicy {
  readonly heartbeatIntervalMs: number;
  readonly liveness: number;
  readonly requestTtlMs: number;
  readonly maxQueue: number;
  readonly maxPendingRequests: number;
  readonly maxPendingBytes: number;
  readonly maxServices: number;
  readonly maxWorkers: number;
  readonly maxFrameBytes: number;
  readonly expireBusyWorkers: boolean;
}

/** Everything the shell needs besides the policy. */
export interface BrokerSetup {
  readonly policy: BrokerPolicy;
  readonly core: "auto" | "wasm" | "ts";
  readonly lingerMs: number;
  readonly socket: RouterSocketOptions;
  readonly logger: Logger;
  readonly onEvent?: (event: MajordomoBrokerEvent) => void;
  readonly clock: Clock;
  readonly admit?: (from: "client" | "worker") => boolean;

  /** `security`, checked and loaded. */
  readonly security?: ServerSecurityPlan;
  /** `workerSecurity.allow`, loaded. */
  readonly workerAllow?: ReadonlySet<string> | "any";
  /** `workerSecurity.allow` as given (a reload reads it again). */
  readonly workerAllowSource?: unknown;
  /** The identities `security` admits, before the worker keys are added. */
  readonly clientAllow?: ReadonlySet<string> | "any";
  /** Identities counted one by one (0: attribution off). */
  readonly usersCounted: number;
}

/** The defaults, in one place (README and the CLI's help quote them). */
export const BROKER_DEFAULTS = {
  heartbeatIntervalMs: 2500,
  liveness: 3,
  requestTtlMs: 60000,
  maxQueue: 500_000,
  maxPendingRequests: 1_000_000,
  maxPendingBytes: 268_435_456,
  maxServices: 10_000,
  maxWorkers: 100_000,
  maxFrameBytes: 16_777_216,
  /** Identities whose requests are counted one by one (attribution). */
  usersCounted: 1000,
  lingerMs: 1000,
  sendHighWaterMark: 100_000,
  receiveHighWaterMark: 1000,
  backlog: 4096,
} as const;

const KEYS: readonly (keyof MajordomoBrokerOptions)[] = [
  "heartbeatIntervalMs",
  "liveness",
  "requestTtlMs",
  "maxQueue",
  "maxPendingRequests",
  "maxPendingBytes",
  "maxServices",
  "maxWorkers",
  "maxFrameBytes",
  "expireBusyWorkers",
  "core",
  "lingerMs",
  "sendHighWaterMark",
  "receiveHighWaterMark",
  "socketOptions",
  "security",
  "workerSecurity",
  "usersCounted",
  "logger",
  "onEvent",
  "clock",
  "admit",
];

/** The ROUTER options only the broker sets. */
const FIXED_SOCKET_OPTIONS = ["routerMandatory", "maxMessageSize"] as const;

/**
 * Checks the options of `MajordomoBroker.bind()`.
 * @param owner The method, for messages.
 * @param options What the caller gave.
 * @returns The checked setup.
 */
export function readBrokerOptions(
  owner: string,
  options: MajordomoBrokerOptions | undefined,
): BrokerSetup {
  const o = opt.readOptions(owner, options, KEYS);
  const d = BROKER_DEFAULTS;
  const big = Number.MAX_SAFE_INTEGER;
  const heartbeatIntervalMs = opt.durationMs(
    owner,
    "heartbeatIntervalMs",
    o.heartbeatIntervalMs,
    d.heartbeatIntervalMs,
    { min: 1 },
  );
  const maxFrameBytes = opt.count(
    owner,
    "maxFrameBytes",
    o.maxFrameBytes,
    d.maxFrameBytes,
    1,
    1_073_741_824 / 2,
  );
  const policy: BrokerPolicy = {
    heartbeatIntervalMs,
    liveness: opt.count(owner, "liveness", o.liveness, d.liveness, 1, 1000),
    requestTtlMs: opt.durationMs(
      owner,
      "requestTtlMs",
      o.requestTtlMs,
      d.requestTtlMs,
      { min: 1, infinity: true },
    ),
    maxQueue: opt.count(owner, "maxQueue", o.maxQueue, d.maxQueue, 0, big),
    maxPendingRequests: opt.count(
      owner,
      "maxPendingRequests",
      o.maxPendingRequests,
      d.maxPendingRequests,
      0,
      big,
    ),
    maxPendingBytes: opt.count(
      owner,
      "maxPendingBytes",
      o.maxPendingBytes,
      d.maxPendingBytes,
      0,
      big,
    ),
    maxServices: opt.count(
      owner,
      "maxServices",
      o.maxServices,
      d.maxServices,
      1,
      1 << 22,
    ),
    maxWorkers: opt.count(
      owner,
      "maxWorkers",
      o.maxWorkers,
      d.maxWorkers,
      1,
      1 << 22,
    ),
    maxFrameBytes,
    expireBusyWorkers: opt.bool(
      owner,
      "expireBusyWorkers",
      o.expireBusyWorkers,
      true,
    ),
  };
  const core = opt.oneOf(owner, "core", o.core, ["auto", "wasm", "ts"], "auto");
  const lingerMs = opt.durationMs(owner, "lingerMs", o.lingerMs, d.lingerMs);
  const sndHwm = opt.count(
    owner,
    "sendHighWaterMark",
    o.sendHighWaterMark,
    d.sendHighWaterMark,
    0,
    2 ** 31 - 1,
  );
  const rcvHwm = opt.count(
    owner,
    "receiveHighWaterMark",
    o.receiveHighWaterMark,
    d.receiveHighWaterMark,
    0,
    2 ** 31 - 1,
  );
  const user = o.socketOptions;
  if (
    user !== undefined &&
    (user === null || typeof user !== "object" || Array.isArray(user))
  ) {
    throw new TypeError(
      `${owner}: socketOptions must be an object of socket options`,
    );
  }
  for (const k of FIXED_SOCKET_OPTIONS) {
    if (user && k in user) {
      throw new TypeError(
        `${owner}: socketOptions.${k} is set by the broker${
          k === "maxMessageSize" ? " (use maxFrameBytes)" : ""
        }`,
      );
    }
  }
  const socket: RouterSocketOptions = {
    routerHandover: true,
    // No ZMTP heartbeats here: libzmq 4.3 cancels a timer by walking every
    // timer of the I/O thread, and a heartbeat's timeout timer is cancelled
    // by the next message on its connection, so with N connections each
    // costs O(N) (at 10,000 clients the I/O thread spent 78% of its time
    // there and the broker served 2,000 req/s instead of 10,000). Dead
    // connections are reaped by TCP keepalive (the transport's default).
    backlog: d.backlog,
    sendHighWaterMark: sndHwm,
    receiveHighWaterMark: rcvHwm,
    lingerMs,
    ...user,
    routerMandatory: true,
    maxMessageSize: 2 * maxFrameBytes,
  };
  const name = "MajordomoBroker";
  const logger = opt.logger(owner, o.logger, name);
  const security = readServerSecurity(`${owner} security`, o.security);
  if (security) refuseSecurityOverrides(owner, user);
  let workerAllow: ReadonlySet<string> | "any" | undefined;
  const clientAllow = security && admittedIdentities(security.policy);
  if (o.workerSecurity !== undefined) {
    const ws = o.workerSecurity as unknown;
    if (typeof ws !== "object" || ws === null || !("allow" in ws)) {
      throw new TypeError(
        `${owner}: workerSecurity must be { allow: "any" | keys | { dir } }`,
      );
    }
    if (!security) {
      throw new TypeError(
        `${owner}: workerSecurity needs security (workers are told apart by the key or user the ZAP handler authenticated)`,
      );
    }
    workerAllow = readAllowList(
      `${owner} workerSecurity.allow`,
      (ws as { allow: unknown }).allow,
      security.mechanism === "CURVE",
    );
    // The ZAP handler admits workers' keys as well as clients'.
    const c = security.policy.curve;
    if (c !== undefined && c !== "any") {
      security.policy.curve = workerAllow === "any"
        ? "any"
        : new Set([...c, ...workerAllow]);
    }
  }
  return {
    policy,
    core,
    lingerMs,
    socket,
    logger,
    onEvent: opt.fn<(e: MajordomoBrokerEvent) => void>(
      owner,
      "onEvent",
      o.onEvent,
    ),
    clock: opt.clock(owner, o.clock),
    admit: opt.fn<(from: "client" | "worker") => boolean>(
      owner,
      "admit",
      o.admit,
    ),

    security,
    workerAllow,
    workerAllowSource: workerAllow === undefined
      ? undefined
      : (o.workerSecurity as { allow: unknown }).allow,
    clientAllow,
    usersCounted: opt.count(
      owner,
      "usersCounted",
      o.usersCounted,
      d.usersCounted,
      0,
      1_000_000,
    ),
  };
}
