/**
 * The Pirate patterns of the zguide's chapter 4: Lazy Pirate (client-side
 * retries), Simple Pirate (LRU queue) and Paranoid Pirate (6/PPP heartbeats
 * and expiry). The 6/PPP codec they use is the lower-level wire layer,
 * `@reliable/zmq/protocol`.
 *
 * @example Paranoid Pirate in one process
 * ```ts
 * import { LazyPirateClient, ParanoidPirateQueue, ParanoidPirateWorker } from "@reliable/zmq";
 * const queue = await ParanoidPirateQueue.bind("tcp://127.0.0.1:*", "tcp://127.0.0.1:*");
 * const worker = await ParanoidPirateWorker.connect(queue.backendEndpoint, (req) => req);
 * const client = await LazyPirateClient.connect(queue.frontendEndpoint);
 * console.log((await client.request(["ping"])).length); // 1
 * await client.close();
 * await worker.close();
 * await queue.close();
 * ```
 *
 * @module
 */
export {
  LazyPirateClient,
  type LazyPirateClientEvent,
  type LazyPirateClientOptions,
  type LazyPirateClientStats,
  type LazyPirateRequestOptions,
} from "./lazy_pirate_client.ts";
export {
  SimplePirateQueue,
  type SimplePirateQueueOptions,
} from "./simple_pirate_queue.ts";
export {
  type PirateHandler,
  SimplePirateWorker,
  type SimplePirateWorkerOptions,
} from "./simple_pirate_worker.ts";
export {
  ParanoidPirateQueue,
  type ParanoidPirateQueueOptions,
} from "./paranoid_pirate_queue.ts";
export {
  ParanoidPirateWorker,
  type ParanoidPirateWorkerOptions,
} from "./paranoid_pirate_worker.ts";
export type {
  PirateQueueEvent,
  PirateQueueStats,
  PirateWorkerEvent,
  PirateWorkerState,
  PirateWorkerStats,
} from "./events.ts";
// Shared types the Pirate API mentions (also exported by the root module).
export type { Frame, Message } from "../../types.ts";
export type { Logger } from "../../_util/logger.ts";
export type { Clock, Timer } from "../../_util/clock.ts";
export type { SocketOptions } from "../../transport/mod.ts";
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
