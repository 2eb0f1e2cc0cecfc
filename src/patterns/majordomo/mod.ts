/**
 * Majordomo (7/MDP + 8/MMI): a service-oriented broker, a synchronous and an
 * asynchronous client, and a worker. The 7/MDP and 8/MMI codecs they use
 * are the lower-level wire layer, `@reliable/zmq/protocol`.
 *
 * @example Broker, worker and client in one process
 * ```ts
 * import {
 *   MajordomoAsyncClient, MajordomoBroker, MajordomoClient, MajordomoWorker,
 *   shutdown,
 * } from "@reliable/zmq";
 * const broker = await MajordomoBroker.bind("tcp://127.0.0.1:*", {
 *   heartbeatIntervalMs: 250,
 * });
 * const [endpoint] = broker.endpoints;
 * const worker = await MajordomoWorker.connect(endpoint, "echo", (req) => req, {
 *   heartbeatIntervalMs: 250,
 * });
 * await worker.ready;
 * const client = await MajordomoClient.connect(endpoint);
 * console.log(await client.serviceAvailable("echo")); // true
 * const async = await MajordomoAsyncClient.connect(endpoint);
 * const replies = await Promise.all([1, 2, 3].map((i) => async.request("echo", [`${i}`])));
 * console.log(replies.length); // 3
 * await client.close();
 * await async.close();
 * await worker.close();
 * await broker.close();
 * await shutdown();
 * ```
 *
 * @module
 */
export type { Frame } from "../../types.ts";
export type { Logger } from "../../_util/logger.ts";
export type { Clock, Timer } from "../../_util/clock.ts";
export type { SocketOptions } from "../../transport/mod.ts";
export { ProtocolError, ZmqReliableError } from "../../errors.ts";
export { MajordomoBroker } from "./broker.ts";
export type {
  MajordomoBrokerCounters,
  MajordomoBrokerEvent,
  MajordomoBrokerOptions,
  MajordomoBrokerStats,
  MajordomoCoreImpl,
  MajordomoDropReason,
  MajordomoServiceStats,
  MajordomoUserRequests,
  MajordomoWorkerInfo,
  MajordomoWorkerLeaveReason,
} from "./broker_types.ts";
export {
  MajordomoClient,
  type MajordomoClientOptions,
  type MajordomoClientStats,
  type MajordomoRequestOptions,
} from "./client.ts";
export {
  MajordomoAsyncClient,
  type MajordomoAsyncClientOptions,
  type MajordomoAsyncClientStats,
  type MajordomoAsyncRequestOptions,
} from "./async_client.ts";
export {
  type MajordomoHandler,
  MajordomoWorker,
  type MajordomoWorkerOptions,
  type MajordomoWorkerStats,
} from "./worker.ts";
export type {
  BrokerKind,
  MajordomoAsyncClientEvent,
  MajordomoClientEvent,
  MajordomoWorkerEvent,
} from "./client_events.ts";
export {
  classifyRzReply,
  CORRELATION_FRAME_BYTES,
  correlationFrame,
  errorFrame,
  isWorkerErrorFrame,
  MMI_RZ,
  parseRzInfo,
  readCorrelationId,
  readErrorId,
  type RzBrokerInfo,
  RzErrorCode,
  rzProbeBody,
  type RzReply,
  workerErrorFrame,
} from "./correlation.ts";
export type {
  AllowList,
  ClientSecurity,
  CurveClientSecurity,
  CurveServerSecurity,
  PlainClientSecurity,
  PlainServerSecurity,
  SecurityListChange,
  SecurityReload,
  SecurityStats,
  ServerSecurity,
} from "../../security/settings.ts";
export type { ZapCounters, ZapRefusal } from "../../security/zap.ts";
