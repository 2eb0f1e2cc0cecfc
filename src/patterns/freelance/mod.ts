/**
 * Freelance: brokerless reliability (zguide chapter 4). Clients talk to
 * several servers directly and keep working while any one of them lives.
 *
 * | Model | Client | Server | On the wire |
 * |---|---|---|---|
 * | 1, simple retry and failover | {@linkcode FreelanceRetryClient} | {@linkcode FreelanceRepServer} | REQ → REP |
 * | 2, shotgun | {@linkcode FreelanceShotgunClient} | {@linkcode FreelanceRepServer} (`sequenced`) | DEALER → REP, `[seq][body…]` |
 * | 3, 10/FLP | {@linkcode FreelanceClient} | {@linkcode FreelanceServer} | ROUTER → ROUTER, PING/PONG |
 *
 * @example Model three
 * ```ts
 * import { FreelanceClient, FreelanceServer } from "@reliable/zmq/freelance";
 * const server = await FreelanceServer.bind("tcp://127.0.0.1:*", (req) => req);
 * const client = await FreelanceClient.connect(server.endpoint);
 * const [reply] = await client.request(["hi"]);
 * console.log(new TextDecoder().decode(reply)); // "hi"
 * await client.close();
 * await server.close();
 * ```
 *
 * @module
 */
export {
  FreelanceClient,
  type FreelanceClientOptions,
  type FreelanceRequestOptions,
} from "./client.ts";
export {
  type FreelanceHandler,
  FreelanceServer,
  type FreelanceServerOptions,
} from "./server.ts";
export {
  FreelanceShotgunClient,
  type FreelanceShotgunClientOptions,
} from "./shotgun_client.ts";
export {
  FreelanceRetryClient,
  type FreelanceRetryClientOptions,
} from "./retry_client.ts";
export {
  FreelanceRepServer,
  type FreelanceRepServerOptions,
} from "./rep_server.ts";
export type {
  FreelanceClientEvent,
  FreelanceClientStats,
  FreelanceRequestEvent,
  FreelanceRequestStats,
  FreelanceServerEvent,
  FreelanceServerStats,
} from "./events.ts";
export {
  ClosedError,
  NoServerAnsweredError,
  PeerUnavailableError,
  ZmqReliableError,
} from "../../errors.ts";
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
  SecurityStats,
  ServerSecurity,
} from "../../security/settings.ts";
export type { ZapCounters, ZapRefusal } from "../../security/zap.ts";
