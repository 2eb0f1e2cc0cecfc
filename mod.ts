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
 * | no broker: clients talk to several servers directly (Freelance, 10/FLP) | {@linkcode FreelanceClient}, {@linkcode FreelanceServer}, {@linkcode FreelanceShotgunClient}, {@linkcode FreelanceRetryClient}, {@linkcode FreelanceRepServer} |
 * | raw sockets with timeouts and cancellation | {@linkcode DealerSocket}, {@linkcode RouterSocket}, ... |
 * | requests kept on disk, replies collected later (9/TSP) | {@linkcode TitanicService}, {@linkcode TitanicClient}, {@linkcode IdempotentCache} |
 * | checksummed message records, envelope classification, a worker LRU (WebAssembly) | `createCore` from `@reliable/zmq/core` |
 * | a clock tests can drive | {@linkcode FakeClock} |
 *
 * Subpath exports carry one area each: `@reliable/zmq/transport`,
 * `@reliable/zmq/majordomo`, `@reliable/zmq/pirate`, `@reliable/zmq/dynamic`,
 * `@reliable/zmq/titanic`, `@reliable/zmq/freelance`,
 * `@reliable/zmq/binary-star`, `@reliable/zmq/security`,
 * `@reliable/zmq/observe` (metrics, the HTTP endpoint and live page),
 * `@reliable/zmq/core`, and the lower-level wire layer (7/MDP, 8/MMI and
 * 6/PPP as spec data and codecs) `@reliable/zmq/protocol`.
 *
 * @example Quick start: a broker, a worker and a client
 * ```ts
 * import { MajordomoBroker, MajordomoClient, MajordomoWorker } from "@reliable/zmq";
 * const broker = await MajordomoBroker.bind("tcp://127.0.0.1:*"); // a free port
 * const [endpoint] = broker.endpoints;
 * const worker = await MajordomoWorker.connect(endpoint, "echo", (req) => req);
 * await worker.ready;
 * const client = await MajordomoClient.connect(endpoint);
 * const [reply] = await client.request("echo", ["hello"]);
 * console.log(new TextDecoder().decode(reply)); // "hello"
 * await client.close();
 * await worker.close();
 * await broker.close();
 * ```
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
export {
  AddressInUseError,
  AddressListError,
  BrokerUnreachableError,
  ClosedError,
  CorruptRecordError,
  EndpointError,
  FileDescriptorLimitError,
  HandlerFailedError,
  HostUnreachableError,
  KeyFileError,
  LibraryLoadError,
  type LibraryLoadErrorOptions,
  NoServerAnsweredError,
  PeerUnavailableError,
  ProtocolError,
  type ProtocolErrorOptions,
  RequestExpiredError,
  RequestFailedError,
  RequestRejectedError,
  RequestTimeoutError,
  ServiceUnavailableError,
  SocketStateError,
  StorageError,
  TimeoutError,
  TitanicError,
  WorkerLostError,
  ZmqError,
  ZmqReliableError,
} from "./src/errors.ts";
export {
  configureLibzmq,
  configureReactor,
  curveKeyPair,
  curvePublicKey,
  DealerSocket,
  type FileDescriptorLimit,
  fileDescriptorLimit,
  type Frame,
  type LibzmqInfo,
  libzmqInfo,
  type LibzmqOptions,
  type Message,
  type MonitorEvent,
  openFileDescriptors,
  PairSocket,
  PubSocket,
  raiseFileDescriptorLimit,
  type ReactorOptions,
  type ReactorStats,
  reactorStats,
  type ReceiveSink,
  RepSocket,
  ReqSocket,
  resolveEndpoint,
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
  trimMemory,
  type WaitOptions,
} from "./src/transport/mod.ts";
export {
  type BrokerKind,
  MajordomoAsyncClient,
  type MajordomoAsyncClientEvent,
  type MajordomoAsyncClientOptions,
  type MajordomoAsyncClientStats,
  type MajordomoAsyncRequestOptions,
  MajordomoBroker,
  type MajordomoBrokerCounters,
  type MajordomoBrokerEvent,
  type MajordomoBrokerOptions,
  type MajordomoBrokerStats,
  MajordomoClient,
  type MajordomoClientEvent,
  type MajordomoClientOptions,
  type MajordomoClientStats,
  type MajordomoCoreImpl,
  type MajordomoDropReason,
  type MajordomoHandler,
  type MajordomoRequestOptions,
  type MajordomoServiceStats,
  type MajordomoUserRequests,
  MajordomoWorker,
  type MajordomoWorkerEvent,
  type MajordomoWorkerInfo,
  type MajordomoWorkerLeaveReason,
  type MajordomoWorkerOptions,
  type MajordomoWorkerStats,
} from "./src/patterns/majordomo/mod.ts";
export {
  denoFileLayer,
  type DispatchStats,
  type FileLayer,
  IdempotentCache,
  type IdempotentOptions,
  type IdempotentStats,
  LogStore,
  type LogStoreOptions,
  type LogStoreStats,
  type PendingRequest,
  requestKey,
  type ServiceCounters,
  SQLITE_FILE,
  SqliteStore,
  type SqliteStoreOptions,
  type StoredRequest,
  type StoredState,
  type StoreEvent,
  type StoreFile,
  TitanicClient,
  type TitanicClientOptions,
  type TitanicClientStats,
  type TitanicEvent,
  type TitanicReply,
  TitanicService,
  type TitanicServiceOptions,
  type TitanicServiceStats,
  type TitanicStore,
  type TitanicStoreStats,
  type TitanicWaitOptions,
  TspStatus,
} from "./src/patterns/titanic/mod.ts";
export {
  LazyPirateClient,
  type LazyPirateClientEvent,
  type LazyPirateClientOptions,
  type LazyPirateClientStats,
  type LazyPirateRequestOptions,
  ParanoidPirateQueue,
  type ParanoidPirateQueueOptions,
  ParanoidPirateWorker,
  type ParanoidPirateWorkerOptions,
  type PirateHandler,
  type PirateQueueEvent,
  type PirateQueueStats,
  type PirateWorkerEvent,
  type PirateWorkerState,
  type PirateWorkerStats,
  SimplePirateQueue,
  type SimplePirateQueueOptions,
  SimplePirateWorker,
  type SimplePirateWorkerOptions,
} from "./src/patterns/pirate/mod.ts";
export {
  type DynamicProcessWorker,
  DynamicStatus,
  type DynamicTask,
  DynamicWorkerServer,
  type DynamicWorkerServerEvent,
  type DynamicWorkerServerOptions,
  type DynamicWorkerServerStats,
  parseDynamicReply,
  serveDynamicWorker,
} from "./src/patterns/dynamic/mod.ts";

export {
  type Clock,
  FakeClock,
  realClock,
  type Timer,
} from "./src/_util/clock.ts";
export {
  consoleLogger,
  type LogFormat,
  type Logger,
  LogLevel,
  type LogLevelName,
  silentLogger,
} from "./src/_util/logger.ts";
export {
  FreelanceClient,
  type FreelanceClientEvent,
  type FreelanceClientOptions,
  type FreelanceClientStats,
  type FreelanceHandler,
  FreelanceRepServer,
  type FreelanceRepServerOptions,
  type FreelanceRequestEvent,
  type FreelanceRequestOptions,
  type FreelanceRequestStats,
  FreelanceRetryClient,
  type FreelanceRetryClientOptions,
  FreelanceServer,
  type FreelanceServerEvent,
  type FreelanceServerOptions,
  type FreelanceServerStats,
  FreelanceShotgunClient,
  type FreelanceShotgunClientOptions,
} from "./src/patterns/freelance/mod.ts";
export {
  BinaryStar,
  BinaryStarClient,
  type BinaryStarClientEvent,
  type BinaryStarClientOptions,
  type BinaryStarClientStats,
  type BinaryStarEvent,
  type BinaryStarHandler,
  type BinaryStarOptions,
  type BinaryStarRequestOptions,
  BinaryStarServer,
  type BinaryStarServerOptions,
  type BinaryStarState,
  type BinaryStarStats,
  type BinaryStarVoterHandler,
  MajordomoBrokerPair,
  type MajordomoBrokerPairOptions,
} from "./src/patterns/binary_star/mod.ts";
export {
  type AllowList,
  type ClientSecurity,
  type CurveClientSecurity,
  type CurveKeyPair,
  type CurveServerSecurity,
  isCurveKey,
  type KeyFile,
  loadAllowedKeys,
  loadKeyFile,
  loadKeyPair,
  type PlainClientSecurity,
  type PlainServerSecurity,
  type SecurityListChange,
  type SecurityReload,
  type SecurityStats,
  type ServerSecurity,
  writeKeyPair,
  type WriteKeyPairOptions,
  ZAP_ENDPOINT,
  type ZapCounters,
  type ZapDecision,
  type ZapRefusal,
  type ZapStats,
  zapStats,
} from "./src/security/mod.ts";
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
