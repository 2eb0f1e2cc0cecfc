/**
 * Dynamic workers: a server with a ROUTER frontend and a DEALER backend
 * that starts a worker (an in-process async task, a Deno Web Worker or a
 * child process) for each request; the worker replies on its own DEALER to
 * the backend, which routes the reply to the client that asked. Bounded,
 * with error replies (the NetMQ "dynamic worker per task" design).
 *
 * @example
 * ```ts
 * import { DynamicWorkerServer, parseDynamicReply, ReqSocket, silentLogger } from "@reliable/zmq";
 * const server = await DynamicWorkerServer.bind("tcp://127.0.0.1:*", "tcp://127.0.0.1:*", {
 *   worker: () => { throw new Error("boom"); },
 *   logger: silentLogger, // the failure is the point here
 * });
 * const client = new ReqSocket();
 * client.connect(server.frontendEndpoint);
 * await client.send(["job"]);
 * console.log(parseDynamicReply(await client.receive()).status); // "500"
 * client.close();
 * await server.close();
 * ```
 *
 * @module
 */
export { DynamicWorkerServer } from "./dynamic_worker_server.ts";
export type {
  DynamicProcessWorker,
  DynamicWorkerServerOptions,
  DynamicWorkerServerStats,
} from "./options.ts";
export type { DynamicWorkerServerEvent } from "./events.ts";
export { DynamicStatus, parseDynamicReply } from "./reply.ts";
export { type DynamicTask, serveDynamicWorker } from "./web_worker.ts";
// Shared types the dynamic-worker API mentions (also exported by the root module).
export type { Frame, Message } from "../../types.ts";
export type { Logger } from "../../_util/logger.ts";
export type { Clock, Timer } from "../../_util/clock.ts";
export type { SocketOptions } from "../../transport/mod.ts";
export type {
  AllowList,
  CurveServerSecurity,
  PlainServerSecurity,
  SecurityStats,
  ServerSecurity,
} from "../../security/settings.ts";
export type { ZapCounters, ZapRefusal } from "../../security/zap.ts";
