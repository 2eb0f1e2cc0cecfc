/**
 * Private: validation of `DynamicWorkerServer.bind()`'s arguments.
 * @module
 */
import { curveKeyPair } from "../../transport/mod.ts";
import {
  readServerSecurity,
  refuseSecurityOverrides,
  type ServerSecurityPlan,
} from "../../security/settings.ts";
import type { Clock } from "../../_util/clock.ts";
import type { Logger } from "../../_util/logger.ts";
import * as opt from "../../_util/options.ts";
import type { SocketOptions } from "../../transport/mod.ts";
import { checkEndpoint, checkSocketOptions } from "../_kit/checks.ts";
import { readLimits, type SizeLimits } from "../_kit/limits.ts";
import type { DynamicWorkerServerEvent } from "./events.ts";
import type { DynamicWorkerServerOptions } from "./options.ts";
import type { CurveClientKeys, DynamicTask } from "./web_worker.ts";

/** The worker kinds. @internal */
export type WorkerKind = "task" | "web-worker" | "process";

const KEYS = [
  "worker",
  "maxWorkers",
  "maxQueued",
  "jobTimeoutMs",
  "reuseWebWorkers",
  "maxFrameBytes",
  "maxMessageBytes",
  "socketOptions",
  "security",
  "secureBackend",
  "logger",
  "onEvent",
  "clock",
] as const;

/** Checked arguments with defaults applied. @internal */
export interface ParsedOptions {
  task?: DynamicTask;
  url?: URL;
  kind: WorkerKind;
  denoFlags: string[];
  frontend: string;
  backend: string;
  maxWorkers: number;
  maxQueued: number;
  jobTimeoutMs: number;
  reuse: boolean;
  limits: SizeLimits;
  socketOptions: SocketOptions;
  security?: ServerSecurityPlan;
  /** The backend's CURVE, with the key pair handed to the workers. */
  backendSecurity?: { plan: ServerSecurityPlan; client: CurveClientKeys };
  log: Logger;
  onEvent?: (e: DynamicWorkerServerEvent) => void;
  clock: Clock;
}

function toUrl(u: unknown): URL | undefined {
  if (u instanceof URL) return u;
  return typeof u === "string" && URL.canParse(u) ? new URL(u) : undefined;
}

/**
 * Checks the arguments of `DynamicWorkerServer.bind()` and applies defaults.
 * @throws {TypeError} On a malformed argument or option, an unknown key.
 * @throws {RangeError} On an option out of range.
 * @internal
 */
export function parseOptions(
  frontend: unknown,
  backend: unknown,
  options: DynamicWorkerServerOptions,
): ParsedOptions {
  const owner = "DynamicWorkerServer.bind()";
  const fe = checkEndpoint(owner, "frontend", frontend, "bind");
  const be = checkEndpoint(owner, "backend", backend, "bind");
  if (options === undefined) {
    throw new TypeError(`${owner}: options with a worker are required`);
  }
  const o = opt.readOptions(owner, options, KEYS);
  const w = o.worker;
  let task: DynamicTask | undefined;
  let url: URL | undefined;
  let kind: WorkerKind = "web-worker";
  let denoFlags = ["-A"];
  if (typeof w === "function") {
    task = w;
    kind = "task";
  } else if (w !== null && typeof w === "object" && "process" in w) {
    url = toUrl(w.process);
    kind = "process";
    if (w.denoFlags !== undefined) {
      if (
        !Array.isArray(w.denoFlags) ||
        !w.denoFlags.every((f) => typeof f === "string")
      ) {
        throw new TypeError(
          `${owner}: worker.denoFlags must be an array of strings`,
        );
      }
      denoFlags = [...w.denoFlags];
    }
  } else url = toUrl(w);
  if (!task && !url) {
    throw new TypeError(
      `${owner}: worker must be a function (in-process task), a module URL (Web Worker) or { process: URL } (child process), got ${
        w === null
          ? "null"
          : typeof w === "string"
          ? JSON.stringify(w)
          : typeof w
      }`,
    );
  }
  if (kind !== "task" && !/^(tcp|ipc):/.test(be)) {
    throw new TypeError(
      `${owner}: backend must be tcp:// or ipc:// for ${kind} workers (each has its own libzmq context), got ${be}`,
    );
  }
  const security = readSecurity(owner, o.security, o.socketOptions);
  const secureBackend = opt.bool(
    owner,
    "secureBackend",
    o.secureBackend,
    security !== undefined,
  );
  if (secureBackend && security === undefined) {
    refuseSecurityOverrides(owner, o.socketOptions);
  }
  return {
    task,
    url,
    kind,
    denoFlags,
    frontend: fe,
    backend: be,
    maxWorkers: opt.count(owner, "maxWorkers", o.maxWorkers, 8, 1, 100_000),
    maxQueued: opt.count(owner, "maxQueued", o.maxQueued, 1000, 0, 10_000_000),
    jobTimeoutMs: opt.durationMs(
      owner,
      "jobTimeoutMs",
      o.jobTimeoutMs,
      30000,
      { min: 1, infinity: true },
    ),
    reuse: opt.bool(owner, "reuseWebWorkers", o.reuseWebWorkers, true),
    limits: readLimits(owner, o),
    socketOptions: checkSocketOptions(owner, o.socketOptions),
    security,
    backendSecurity: secureBackend ? backendSecurity(owner) : undefined,
    log: opt.logger(owner, o.logger, "DynamicWorkerServer"),
    onEvent: opt.fn(owner, "onEvent", o.onEvent),
    clock: opt.clock(owner, o.clock),
  };
}

function readSecurity(
  owner: string,
  security: unknown,
  socketOptions: unknown,
): ServerSecurityPlan | undefined {
  const plan = readServerSecurity(`${owner} security`, security);
  if (plan) refuseSecurityOverrides(owner, socketOptions);
  return plan;
}

/** A key pair for the backend and one for its workers, in memory. */
function backendSecurity(
  owner: string,
): { plan: ServerSecurityPlan; client: CurveClientKeys } {
  const server = curveKeyPair();
  const client = curveKeyPair();
  const plan = readServerSecurity(`${owner} backend`, {
    curve: { secretKey: server.secretKey, allow: [client.publicKey] },
  })!;
  return {
    plan,
    client: { serverKey: server.publicKey, ...client },
  };
}
