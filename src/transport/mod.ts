/**
 * The transport: ZeroMQ sockets over libzmq through Deno FFI, one reactor
 * per process. The only part of reliable-zmq that touches `npm:zeromq`.
 *
 * @module
 */
export type { Frame, Message, ReceiveSink } from "../types.ts";
export { shutdown, Socket, SocketType, type SocketTypeName } from "./socket.ts";
export {
  DealerSocket,
  PairSocket,
  PubSocket,
  RepSocket,
  ReqSocket,
  RouterSocket,
  SubSocket,
} from "./sockets.ts";
export {
  RouterNotify,
  type RouterSocketOptions,
  type SocketOptions,
} from "./options.ts";
export type { WaitOptions } from "./waiters.ts";
export { type MonitorEvent, SocketMonitor } from "./monitor.ts";
export { curveKeyPair, curvePublicKey } from "./curve.ts";
export { resolveEndpoint } from "./resolve.ts";
export {
  configureReactor,
  type ReactorOptions,
  type ReactorStats,
  reactorStats,
} from "./reactor.ts";
export {
  type FileDescriptorLimit,
  fileDescriptorLimit,
  openFileDescriptors,
  raiseFileDescriptorLimit,
} from "./fd_limit.ts";
export { trimMemory } from "./memory.ts";
export {
  configureLibzmq,
  type LibzmqInfo,
  libzmqInfo,
  type LibzmqOptions,
} from "./libzmq.ts";
