/**
 * # reliable-zmq
 *
 * Reliable request-reply over ZeroMQ for Deno: the patterns of the ZeroMQ
 * guide's chapter 4 (Lazy, Simple and Paranoid Pirate, Majordomo with MMI,
 * Titanic, Binary Star, Freelance) as a library, on libzmq called through
 * Deno FFI.
 *
 * | You need | Use |
 * | --- | --- |
 * | a broker that routes requests to named services (7/MDP, 8/MMI) | {@linkcode MajordomoBroker}, {@linkcode MajordomoClient}, {@linkcode MajordomoAsyncClient}, {@linkcode MajordomoWorker} |
 * | retries against one REQ/REP server | {@linkcode LazyPirateClient} |
 * | a load-balancing queue, no heartbeats | {@linkcode SimplePirateQueue}, {@linkcode SimplePirateWorker} |
 * | a queue with heartbeats, expiry and reconnect (6/PPP) | {@linkcode ParanoidPirateQueue}, {@linkcode ParanoidPirateWorker} |
 * | a worker per request (task or Web Worker) | {@linkcode DynamicWorkerServer} |
 * | raw sockets with timeouts and cancellation | {@linkcode DealerSocket}, {@linkcode RouterSocket}, ... |
 * | checksummed message records, envelope classification, a worker LRU (WebAssembly) | {@linkcode createCore} |
 *
 * Subpath exports carry one area each: `@reliable/zmq/transport`,
 * `@reliable/zmq/majordomo`, `@reliable/zmq/pirate`, `@reliable/zmq/dynamic`,
 * `@reliable/zmq/core`, `@reliable/zmq/observe` (metrics, the HTTP
 * endpoint and live page), and the lower-level wire layer (7/MDP, 8/MMI and
 * 6/PPP as spec data and codecs) `@reliable/zmq/protocol`.
 *
 * @example Quick start: a DEALER and a ROUTER
 * ```ts
 * import { DealerSocket, RouterSocket } from "@reliable/zmq";
 * const router = new RouterSocket();
 * const dealer = new DealerSocket();
 * dealer.connect(router.bind("tcp://127.0.0.1:*"));
 * await dealer.send(["ping"]);
 * const [id] = await router.receive();
 * await router.send([id, "pong"]);
 * console.log(new TextDecoder().decode((await dealer.receive())[0])); // "pong"
 * dealer.close();
 * router.close();
 * ```
 *
 * @module
 */
export * from "./src/errors.ts";
export type { Frame, Message, ReceiveSink } from "./src/types.ts";
export * from "./src/transport/mod.ts";
export {
  consoleLogger,
  type LogFormat,
  type Logger,
  LogLevel,
  type LogLevelName,
  silentLogger,
} from "./src/_util/logger.ts";
export * from "./src/patterns/majordomo/mod.ts";
export * from "./src/patterns/pirate/mod.ts";
export * from "./src/patterns/dynamic/mod.ts";
export {
  type Core,
  type CoreImpl,
  type CoreOptions,
  createCore,
  createEnvelope,
  createFrameCodec,
  createWorkerQueue,
  type Envelope,
  EnvelopeError,
  type FrameCodec,
  MessageKind,
  RecordLimits,
  type WorkerQueue,
} from "./src/core/mod.ts";
export {
  BrokerMetrics,
  type BrokerMetricsOptions,
  type BrokerMetricsSnapshot,
  type BrokerMetricsSource,
  ClientMetrics,
  type ClientServiceMetrics,
  eventLogger,
  type HistoryPoint,
  LatencyHistogram,
  type LatencySummary,
  ObserveServer,
  type ObserveServerOptions,
  type ObserveTarget,
  type PatternEvent,
  PROMETHEUS_BUCKETS_SECONDS,
  type RequestingClient,
  type ServiceMetrics,
  StatsMetrics,
} from "./src/observe/mod.ts";
