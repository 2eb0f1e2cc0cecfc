/**
 * Observability: metrics of a Majordomo broker fed by its events (counters,
 * gauges, per-service latency histograms), and an HTTP endpoint serving
 * them as JSON (`/stats`), Prometheus text (`/metrics`), a health check
 * (`/healthz`) and a live page (`/`).
 *
 * @example Metrics of a broker
 * ```ts
 * import { BrokerMetrics } from "@reliable/zmq/observe";
 * import { MajordomoBroker } from "@reliable/zmq";
 * const broker = await MajordomoBroker.bind("tcp://127.0.0.1:*");
 * const metrics = BrokerMetrics.attach(broker);
 * console.log(metrics.prometheus().startsWith("# HELP rzmq_broker_info")); // true
 * metrics.detach();
 * await broker.close();
 * ```
 *
 * @module
 */
export type { Clock, Timer } from "../_util/clock.ts";
export type { Logger } from "../_util/logger.ts";
export type { PatternEvent } from "../patterns/_kit/events.ts";
export type {
  MajordomoBrokerCounters,
  MajordomoBrokerEvent,
  MajordomoBrokerStats,
  MajordomoCoreImpl,
  MajordomoDropReason,
  MajordomoServiceStats,
  MajordomoUserRequests,
  MajordomoWorkerInfo,
  MajordomoWorkerLeaveReason,
} from "../patterns/majordomo/broker_types.ts";
export {
  BrokerMetrics,
  type BrokerMetricsOptions,
  type BrokerMetricsSnapshot,
  type BrokerMetricsSource,
  type HistoryPoint,
  type ServiceMetrics,
} from "./metrics.ts";
export {
  LatencyHistogram,
  type LatencySummary,
  PROMETHEUS_BUCKETS_SECONDS,
} from "./histogram.ts";
export {
  ObserveServer,
  type ObserveServerOptions,
  type ObserveTarget,
} from "./http.ts";
export { eventLogger } from "./log.ts";
export { PROMETHEUS_CONTENT_TYPE } from "./prometheus.ts";
export { StatsMetrics } from "./stats_metrics.ts";
export {
  ClientMetrics,
  type ClientServiceMetrics,
  type RequestingClient,
} from "./client_metrics.ts";
