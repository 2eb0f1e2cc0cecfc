/**
 * Private: validation of `DynamicWorkerServerOptions`.
 * @module
 */
import type { Logger } from "../../_util/logger.ts";
import {
  checkOptions,
  count,
  durationMs,
  endpoint as checkEndpoint,
  logger as checkLogger,
} from "../pirate/_common.ts";
import type { DynamicWorkerServerOptions } from "./options.ts";
import type { DynamicTask } from "./web_worker.ts";

/** The worker kinds. @internal */
export type WorkerKind = "task" | "web-worker" | "process";

/** Checked options with defaults applied. @internal */
export interface ParsedOptions {
  task?: DynamicTask;
  url?: URL;
  kind: WorkerKind;
  denoFlags: string[];
  endpoint: string;
  backend: string;
  maxWorkers: number;
  maxQueued: number;
  timeoutMs: number;
  reuse: boolean;
  log: Logger;
}

/**
 * Checks the options of `DynamicWorkerServer.bind()` and applies defaults.
 * @throws {TypeError} On a malformed option.
 * @throws {RangeError} On an option out of range.
 * @internal
 */
export function parseOptions(
  options: DynamicWorkerServerOptions,
): ParsedOptions {
  const owner = "DynamicWorkerServer.bind()";
  if (options === undefined) {
    throw new TypeError(`${owner}: options with a worker are required`);
  }
  checkOptions(owner, options);
  const w = options.worker;
  let task: DynamicTask | undefined;
  let url: URL | undefined;
  let kind: WorkerKind = "web-worker";
  let denoFlags = ["-A"];
  const toUrl = (u: unknown) =>
    u instanceof URL
      ? u
      : typeof u === "string" && URL.canParse(u)
      ? new URL(u)
      : undefined;
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
        throw new TypeError(`${owner}: worker.denoFlags must be strings`);
      }
      denoFlags = [...w.denoFlags];
    }
  } else url = toUrl(w);
  if (!task && !url) {
    throw new TypeError(
      `${owner}: worker must be a function (in-process task), a module URL (Web Worker) or { process: URL } (child process)`,
    );
  }
  if (
    options.endpoint !== undefined && options.frontend !== undefined &&
    options.endpoint !== options.frontend
  ) {
    throw new TypeError(`${owner}: give endpoint or frontend, not both`);
  }
  const ep = checkEndpoint(
    owner,
    "endpoint",
    options.endpoint ?? options.frontend ?? "tcp://*:5555",
  );
  const backEp = checkEndpoint(
    owner,
    "backend",
    options.backend ?? "tcp://127.0.0.1:5556",
  );
  if (kind !== "task" && !/^(tcp|ipc):/.test(backEp)) {
    throw new TypeError(
      `${owner}: backend must be tcp:// or ipc:// for ${kind} workers (each has its own libzmq context), got ${backEp}`,
    );
  }
  const maxWorkers = count(
    owner,
    "maxWorkers",
    options.maxWorkers,
    8,
    1,
    100_000,
  );
  const maxQueued = count(
    owner,
    "maxQueued",
    options.maxQueued,
    1000,
    0,
    10_000_000,
  );
  const timeoutMs = durationMs(
    owner,
    "jobTimeoutMs",
    options.jobTimeoutMs,
    30000,
    1,
    true,
  );
  const reuse = options.reuseWebWorkers ?? true;
  if (typeof reuse !== "boolean") {
    throw new TypeError(`${owner}: reuseWebWorkers must be a boolean`);
  }
  const log = checkLogger(owner, options.logger);
  return {
    task,
    url,
    kind,
    denoFlags,
    endpoint: ep,
    backend: backEp,
    maxWorkers,
    maxQueued,
    timeoutMs,
    reuse,
    log,
  };
}
