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
 * @example A request stored, then answered by a worker that came later
 * ```ts
 * import { MajordomoBroker, MajordomoWorker } from "@reliable/zmq";
 * import { TitanicClient, TitanicService } from "@reliable/zmq/titanic";
 * const dir = await Deno.makeTempDir();
 * const broker = await MajordomoBroker.bind("tcp://127.0.0.1:*");
 * const [endpoint] = broker.endpoints;
 * const titanic = await TitanicService.connect(endpoint, { dir });
 * await titanic.ready;
 * const client = await TitanicClient.connect(endpoint);
 * const uuid = await client.request("echo", ["hello"]); // on disk: 200 + UUID
 * const worker = await MajordomoWorker.connect(endpoint, "echo", (r) => r);
 * const reply = await client.waitForReply(uuid, { deadlineMs: 30000 });
 * console.log(new TextDecoder().decode(reply[0])); // "hello"
 * await client.closeRequest(uuid);
 * await client.close();
 * await worker.close();
 * await titanic.close();
 * await broker.close();
 * await Deno.remove(dir, { recursive: true });
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
export type {
  ClientSecurity,
  CurveClientSecurity,
  PlainClientSecurity,
} from "../../security/settings.ts";
