/**
 * Titanic (9/TSP, zguide "Disconnected Reliability"): clients hand
 * requests to Titanic and collect the replies later, even when the
 * workers, the client or Titanic itself were down in between. Plus the
 * worker-side helper for idempotent services.
 *
 * - {@linkcode TitanicService}: `titanic.request`, `titanic.reply`,
 *   `titanic.close` and the dispatcher, over a crash-safe store.
 * - {@linkcode TitanicClient}: request → UUID, reply(UUID), close, and a
 *   wait with a deadline.
 * - {@linkcode IdempotentCache}: answer retried requests from a cache of
 *   recent replies.
 * - The stores (`LogStore`, `SqliteStore`) and their contract
 *   (`TitanicStore`) are `@experimental`.
 *
 * @example
 * ```ts ignore
 * import { TitanicClient, TitanicService } from "@reliable/zmq/titanic";
 * const titanic = await TitanicService.connect("tcp://127.0.0.1:5555", { dir: ".titanic" });
 * const client = await TitanicClient.connect("tcp://127.0.0.1:5555");
 * const reply = await client.call("echo", ["hello"], { deadlineMs: 60000 });
 * ```
 *
 * @module
 */
export type { Frame } from "../../types.ts";
export type { Logger } from "../../_util/logger.ts";
export type { Clock, Timer } from "../../_util/clock.ts";
export {
  ClosedError,
  ProtocolError,
  StorageError,
  TitanicError,
  ZmqReliableError,
} from "../../errors.ts";
export {
  TitanicService,
  type TitanicServiceOptions,
  type TitanicServiceStats,
} from "./service.ts";
export type { ServiceCounters } from "./_handlers.ts";
export type { DispatchStats } from "./_dispatcher.ts";
export type { TitanicEvent } from "./events.ts";
export {
  TitanicClient,
  type TitanicClientOptions,
  type TitanicClientStats,
  type TitanicReply,
  type TitanicWaitOptions,
} from "./client.ts";
export {
  IdempotentCache,
  type IdempotentOptions,
  type IdempotentStats,
  requestKey,
} from "./idempotent.ts";
export {
  LogStore,
  type LogStoreOptions,
  type LogStoreStats,
} from "./store/log_store.ts";
export {
  SQLITE_FILE,
  SqliteStore,
  type SqliteStoreOptions,
} from "./store/sqlite_store.ts";
export type {
  PendingRequest,
  StoredRequest,
  StoredState,
  TitanicStore,
  TitanicStoreStats,
} from "./store/types.ts";
export type { StoreEvent } from "./store/events.ts";
export {
  denoFileLayer,
  type FileLayer,
  type StoreFile,
} from "./store/file_layer.ts";
export { TspStatus } from "../../protocol/tsp/codec.ts";
export type { SocketOptions } from "../../transport/mod.ts";
