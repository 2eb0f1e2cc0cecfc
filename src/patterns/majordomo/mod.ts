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
 * const broker = new MajordomoBroker({ heartbeatIntervalMs: 250 });
 * const endpoint = broker.bind("tcp://127.0.0.1:*");
 * const worker = new MajordomoWorker(endpoint, "echo", (req) => req, {
 *   heartbeatIntervalMs: 250,
 * });
 * worker.start();
 * const client = new MajordomoClient(endpoint);
 * console.log(await client.serviceAvailable("echo")); // true
 * const async = new MajordomoAsyncClient(endpoint);
 * const replies = await Promise.all([1, 2, 3].map((i) => async.request("echo", [`${i}`])));
 * console.log(replies.length); // 3
 * client.close();
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
export { ProtocolError, ZmqReliableError } from "../../errors.ts";
export {
  MajordomoBroker,
  type MajordomoBrokerCounters,
  type MajordomoBrokerOptions,
  type MajordomoBrokerStats,
  type MajordomoCoreImpl,
  type MajordomoServiceStats,
} from "./broker.ts";
export {
  MajordomoClient,
  type MajordomoClientOptions,
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
export {
  CORRELATION_FRAME_BYTES,
  correlationFrame,
  readCorrelationId,
} from "./correlation.ts";
