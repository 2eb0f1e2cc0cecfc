/**
 * Binary Star (zguide chapter 4, "High-Availability Pair"): a primary and
 * a backup server, exactly one of which serves clients; the backup takes
 * over only when the primary is silent AND a client asks. See
 * docs/BINARY_STAR.md.
 *
 * @example A pair of echo servers and a client
 * ```ts
 * import { BinaryStarClient, BinaryStarServer } from "@reliable/zmq/binary-star";
 * import { silentLogger } from "@reliable/zmq";
 * const common = { heartbeatIntervalMs: 50, logger: silentLogger };
 * const primary = await BinaryStarServer.start({
 *   ...common, role: "primary", frontend: "tcp://127.0.0.1:*",
 *   stateBind: "tcp://127.0.0.1:*", statePeer: "tcp://127.0.0.1:5990",
 * });
 * const backup = await BinaryStarServer.start({
 *   ...common, role: "backup", frontend: "tcp://127.0.0.1:*",
 *   stateBind: "tcp://127.0.0.1:*", statePeer: primary.node.stateEndpoint,
 * });
 * primary.node.connectPeer(backup.node.stateEndpoint);
 * const client = await BinaryStarClient.connect(
 *   [primary.frontendEndpoint, backup.frontendEndpoint],
 *   { attemptTimeoutMs: 500, settleMs: 100, logger: silentLogger },
 * );
 * console.log((await client.request(["ping"])).length); // 1
 * await client.close();
 * await backup.close();
 * await primary.close();
 * ```
 *
 * @module
 */
export {
  BinaryStar,
  type BinaryStarOptions,
  type BinaryStarVoterHandler,
} from "./binary_star.ts";
export {
  type BinaryStarHandler,
  BinaryStarServer,
  type BinaryStarServerOptions,
} from "./server.ts";
export {
  BinaryStarClient,
  type BinaryStarClientEvent,
  type BinaryStarClientOptions,
  type BinaryStarClientStats,
  type BinaryStarRequestOptions,
} from "./client.ts";
export {
  MajordomoBrokerPair,
  type MajordomoBrokerPairOptions,
} from "./majordomo_pair.ts";
export type {
  BinaryStarEvent,
  BinaryStarState,
  BinaryStarStats,
} from "./events.ts";
export { PeerUnavailableError, ZmqReliableError } from "../../errors.ts";
export {
  MajordomoBroker,
  type MajordomoBrokerCounters,
  type MajordomoBrokerEvent,
  type MajordomoBrokerOptions,
  type MajordomoBrokerStats,
  type MajordomoCoreImpl,
  type MajordomoServiceStats,
} from "../majordomo/broker.ts";
export type {
  MajordomoDropReason,
  MajordomoUserRequests,
  MajordomoWorkerInfo,
  MajordomoWorkerLeaveReason,
} from "../majordomo/broker_types.ts";
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
