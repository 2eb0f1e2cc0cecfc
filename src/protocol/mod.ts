/**
 * # The wire layer: 7/MDP, 8/MMI, 6/PPP, 9/TSP and 10/FLP as data and codecs
 *
 * Lower level than the patterns: use it to write your own peer, a proxy, a
 * load generator or a test that speaks the protocol byte by byte. The
 * patterns (`@reliable/zmq/majordomo`, `@reliable/zmq/pirate`) are built on
 * it.
 *
 * Each protocol comes as:
 * - **spec data** (`MdpWorkerCommand`, `MdpMessage`, `MdpMalformation`,
 *   `PppCommand`, `MmiStatus`, ...): `as const` tables of header bytes,
 *   command octets with their wire names, the frames of every message per
 *   direction with the RFC section, limits and malformation classes;
 * - **a codec**: encoders, and decoders that never throw on hostile input
 *   and return either a typed message or a `ProtocolError` whose `code`
 *   names the malformation and whose `frame` points at the offending frame.
 *
 * | Protocol | Reader | Decoder |
 * |---|---|---|
 * | 7/MDP | broker (ROUTER, identity first) | {@linkcode decodeBrokerInbound} |
 * | 7/MDP | worker (DEALER) | {@linkcode decodeWorkerInbound} |
 * | 7/MDP | client (DEALER) | {@linkcode decodeClientReply} |
 * | 8/MMI | broker | {@linkcode decodeMmiQuery} |
 * | 8/MMI | client | {@linkcode decodeMmiReply} |
 * | 6/PPP | queue backend (ROUTER, identity first) | {@linkcode decodeQueueMessage} |
 * | 6/PPP | worker (DEALER) | {@linkcode decodeWorkerMessage} |
 * | 9/TSP | Titanic (`titanic.request`) | {@linkcode decodeStoreRequest} |
 * | 9/TSP | Titanic (`titanic.reply`, `titanic.close`) | {@linkcode decodeUuidRequest} |
 * | 9/TSP | client | {@linkcode decodeStoreResult}, {@linkcode decodeReplyResult}, {@linkcode decodeCloseResult} |
 * | 10/FLP | Freelance server (ROUTER, identity first) | {@linkcode decodeServerInbound} |
 * | 10/FLP | Freelance client (ROUTER, identity first) | {@linkcode decodeClientInbound} |
 *
 * The same grammars run, without allocating, in the core's envelope
 * classifier (`@reliable/zmq/core`, WebAssembly and TypeScript); one set of
 * conformance vectors holds all of them to identical results.
 *
 * @example Speak 7/MDP by hand
 * ```ts
 * import {
 *   decodeBrokerInbound,
 *   encodeReady,
 *   MdpWorkerCommand,
 *   ProtocolError,
 * } from "@reliable/zmq/protocol";
 *
 * const identity = new Uint8Array([0, 1, 2, 3, 4]);
 * const m = decodeBrokerInbound([identity, ...encodeReady("echo")]);
 * if (m instanceof ProtocolError) console.log(m.code, m.frame);
 * else console.log(m.type); // "ready"
 * console.log(MdpWorkerCommand.READY); // 1
 *
 * const bad = decodeBrokerInbound([identity, new Uint8Array(0)]);
 * if (bad instanceof ProtocolError) console.log(bad.code); // "TOO_FEW_FRAMES"
 * ```
 *
 * @module
 */
export {
  ProtocolError,
  type ProtocolErrorOptions,
  ZmqReliableError,
} from "../errors.ts";
export {
  COMMAND_FRAME,
  COMMAND_NAME,
  decodeBrokerInbound,
  decodeClientReply,
  decodeWorkerInbound,
  EMPTY,
  encodeBrokerReply,
  encodeBrokerRequest,
  encodeClientRequest,
  encodeReady,
  encodeWorkerReply,
  encodeWorkerSignal,
  type FrameLike,
  MDP_SPEC,
  type MdpBrokerInbound,
  type MdpBrokerToWorker,
  MDPC01,
  type MdpClientReply,
  MdpHeader,
  MdpLimits,
  MdpMalformation,
  MdpMessage,
  type MdpMessageName,
  type MdpProtocolError,
  MDPW01,
  MdpWorkerCommand,
  validateServiceName,
} from "./mdp/codec.ts";
export {
  decodeMmiQuery,
  decodeMmiReply,
  isMmiService,
  MMI_FRAME,
  MMI_PREFIX,
  MMI_SERVICE,
  MMI_SPEC,
  MMI_STATS,
  MmiMalformation,
  MmiMessage,
  type MmiMessageName,
  type MmiProtocolError,
  type MmiQuery,
  type MmiReply,
  MmiStatus,
  parseMmiStatus,
} from "./mmi/codec.ts";
export {
  decodeQueueMessage,
  decodeWorkerMessage,
  encodeRequest,
  PPP_HEARTBEAT,
  PPP_READY,
  PPP_SPEC,
  PppCommand,
  PppLimits,
  PppMalformation,
  PppMessage,
  type PppMessageName,
  type PppProtocolError,
  type PppQueueMessage,
  type PppWorkerMessage,
  splitEnvelope,
} from "./ppp/codec.ts";
export {
  checkTargetService,
  decodeCloseResult,
  decodeReplyResult,
  decodeStoreRequest,
  decodeStoreResult,
  decodeUuidRequest,
  encodeStoreRequest,
  encodeTspReply,
  encodeUuidRequest,
  isTspService,
  newUuid,
  normalizeUuid,
  parseTspStatus,
  TSP_SERVICE_PREFIX,
  TSP_SERVICES,
  TSP_SPEC,
  TSP_STATUS_FRAME,
  TspLimits,
  TspMalformation,
  TspMessage,
  type TspMessageName,
  tspMessageOf,
  type TspNotOk,
  type TspProtocolError,
  type TspReplyResult,
  TspService,
  TspStatus,
  type TspStatusLine,
  type TspStoreRequest,
  type TspStoreResult,
  type TspUuidRequest,
  uuidFromBytes,
  uuidToBytes,
} from "./tsp/codec.ts";
export {
  decodeClientInbound,
  decodeServerInbound,
  encodePing as encodeFlpPing,
  encodePong as encodeFlpPong,
  encodeReply as encodeFlpReply,
  encodeRequest as encodeFlpRequest,
  FLP_PING,
  FLP_PONG,
  FLP_SPEC,
  type FlpClientMessage,
  FlpCommand,
  FlpLimits,
  FlpMalformation,
  FlpMessage,
  type FlpMessageName,
  type FlpProtocolError,
  type FlpServerMessage,
} from "./flp/codec.ts";
