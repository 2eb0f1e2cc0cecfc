/**
 * The transport: ZeroMQ sockets over libzmq through Deno FFI, one reactor
 * per process. The only part of reliable-zmq that touches `npm:zeromq`.
 *
 * @module
 */
export type { Frame, Message, ReceiveSink } from "../types.ts";
export {
  curveKeyPair,
  DealerSocket,
  type MonitorEvent,
  PairSocket,
  PubSocket,
  RepSocket,
  ReqSocket,
  RouterNotify,
  RouterSocket,
  type RouterSocketOptions,
  shutdown,
  Socket,
  SocketMonitor,
  type SocketOptions,
  SocketType,
  type SocketTypeName,
  SubSocket,
  type WaitOptions,
} from "./socket.ts";
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
