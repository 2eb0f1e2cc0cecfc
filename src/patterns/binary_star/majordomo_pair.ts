/**
 * The Majordomo broker as one node of a Binary Star pair.
 *
 * @module
 */
import { MajordomoBroker } from "../majordomo/broker.ts";
import type {
  MajordomoBrokerOptions,
  MajordomoBrokerStats,
} from "../majordomo/broker.ts";
import * as opt from "../../_util/options.ts";
import { BinaryStar, type BinaryStarOptions } from "./binary_star.ts";
import type { BinaryStarEvent, BinaryStarState } from "./events.ts";

const CLS = "MajordomoBrokerPair";

/**
 * Options of {@linkcode MajordomoBrokerPair.bind}.
 *
 * @example
 * ```ts
 * import type { MajordomoBrokerPairOptions } from "@reliable/zmq/binary-star";
 * const backup: MajordomoBrokerPairOptions = {
 *   pair: { role: "backup", stateBind: "tcp://*:5004", statePeer: "tcp://primary-host:5003" },
 *   broker: { heartbeatIntervalMs: 1000 },
 * };
 * ```
 */
export interface MajordomoBrokerPairOptions {
  /** The Binary Star node: role, state endpoints, heartbeat, liveness. */
  pair: BinaryStarOptions;
  /**
   * The broker's own options (`admit` is set by the pair), security
   * included: give both brokers the same CURVE key pair and allow-lists, so
   * that clients and workers holding one server key can fail over. The
   * state channel between the two brokers (`stateBind`/`statePeer`) carries
   * only state numbers and is not encrypted: keep it on a private network.
   * @default {}
   */
  broker?: Omit<MajordomoBrokerOptions, "admit">;
}

/**
 * A Majordomo broker that is one node of a Binary Star pair: run one with
 * `role: "primary"` and one with `role: "backup"`, each knowing the
 * other's state endpoint; clients and workers are given both broker
 * endpoints (`MajordomoClient.connect([a, b])`, `MajordomoAsyncClient`,
 * `MajordomoWorker` likewise) and follow the active one.
 *
 * - The broker's ROUTER is the pair's voter: every client message counts
 *   as a client request. The active broker serves as usual. A broker that
 *   is not active drops client messages unanswered (the client times out
 *   and moves to the other broker) and answers worker messages with
 *   DISCONNECT (the worker moves to the other broker); a client message
 *   that reaches it while its peer has been silent for the failover
 *   timeout makes it take over.
 * - A broker that becomes passive (the primary after a dual active)
 *   disconnects its workers, so they move.
 * - **Nothing is carried across a failover**: requests queued or running
 *   on the broker that died are lost, and its worker registrations with
 *   them. Workers register again with the new active broker; clients
 *   resend (their retries do it), so services must be idempotent (a
 *   request may run on both brokers' workers).
 *
 * @example A pair in one process
 * ```ts
 * import { MajordomoBrokerPair } from "@reliable/zmq/binary-star";
 * import { MajordomoClient, MajordomoWorker, silentLogger } from "@reliable/zmq";
 * const pair = { heartbeatIntervalMs: 50, logger: silentLogger };
 * const primary = await MajordomoBrokerPair.bind("tcp://127.0.0.1:*", {
 *   pair: { ...pair, role: "primary", stateBind: "tcp://127.0.0.1:*", statePeer: "tcp://127.0.0.1:5989" },
 *   broker: { heartbeatIntervalMs: 100, logger: silentLogger },
 * });
 * const backup = await MajordomoBrokerPair.bind("tcp://127.0.0.1:*", {
 *   pair: { ...pair, role: "backup", stateBind: "tcp://127.0.0.1:*", statePeer: primary.node.stateEndpoint },
 *   broker: { heartbeatIntervalMs: 100, logger: silentLogger },
 * });
 * primary.node.connectPeer(backup.node.stateEndpoint);
 * const endpoints = [primary.endpoint, backup.endpoint] as const;
 * const worker = await MajordomoWorker.connect(endpoints, "echo", (req) => req, {
 *   heartbeatIntervalMs: 100, logger: silentLogger,
 * });
 * const client = await MajordomoClient.connect(endpoints, { attemptTimeoutMs: 500, maxAttempts: 10, logger: silentLogger });
 * const [reply] = await client.request("echo", ["hello"]);
 * console.log(new TextDecoder().decode(reply)); // "hello"
 * await client.close();
 * await worker.close();
 * await backup.close();
 * await primary.close();
 * ```
 */
export class MajordomoBrokerPair implements AsyncDisposable {
  /** The Binary Star node (state, events, callbacks). */
  readonly node: BinaryStar;
  /** The broker. */
  readonly broker: MajordomoBroker;

  private constructor(node: BinaryStar, broker: MajordomoBroker) {
    this.node = node;
    this.broker = broker;
  }

  /**
   * Starts the pair node, then binds the broker with the node as its gate.
   *
   * @param endpoint Where clients and workers connect (one or several).
   * @param options The node's and the broker's options.
   * @returns The running broker node.
   * @throws {TypeError} On a bad endpoint or option.
   * @throws {RangeError} On an option out of range.
   * @throws {ZmqError} When an endpoint cannot be bound.
   */
  static async bind(
    endpoint: string | readonly string[],
    options: MajordomoBrokerPairOptions,
  ): Promise<MajordomoBrokerPair> {
    const M = `${CLS}.bind()`;
    const o = opt.readOptions(M, options, ["pair", "broker"]);
    if (o.pair === undefined) {
      throw new TypeError(
        `${M}: options.pair (the Binary Star node) is required`,
      );
    }
    const brokerOptions = opt.readOptions(
      `${M} broker`,
      o.broker as MajordomoBrokerOptions | undefined,
      [
        "heartbeatIntervalMs",
        "liveness",
        "requestTtlMs",
        "maxQueue",
        "maxPendingRequests",
        "maxPendingBytes",
        "maxServices",
        "maxWorkers",
        "maxFrameBytes",
        "expireBusyWorkers",
        "core",
        "lingerMs",
        "sendHighWaterMark",
        "receiveHighWaterMark",
        "socketOptions",
        "security",
        "workerSecurity",
        "usersCounted",
        "logger",
        "onEvent",
        "clock",
      ],
    );
    const node = await BinaryStar.start(o.pair);
    let broker: MajordomoBroker;
    try {
      broker = await MajordomoBroker.bind(endpoint, {
        ...brokerOptions,
        admit: (from) => from === "client" ? node.vote() : node.active,
      });
    } catch (e) {
      await node.close();
      throw e;
    }
    node.onPassive(() => broker.disconnectWorkers());
    return new MajordomoBrokerPair(node, broker);
  }

  /** The first endpoint the broker bound (a `*` port resolved). */
  get endpoint(): string {
    return this.broker.endpoints[0];
  }

  /** The node's state. */
  get state(): BinaryStarState {
    return this.node.state;
  }

  /** The broker's statistics. */
  get stats(): MajordomoBrokerStats {
    return this.broker.stats;
  }

  /**
   * Adds a listener for the node's events.
   * @param listener Called with every event.
   * @returns A function that removes it.
   */
  on(listener: (event: BinaryStarEvent) => void): () => void {
    return this.node.on(listener);
  }

  /**
   * Stops the broker (its workers get DISCONNECT) and the node. Idempotent.
   * @returns Resolves once both are closed.
   */
  async close(): Promise<void> {
    await this.broker.close();
    await this.node.close();
  }

  /** Same as {@linkcode MajordomoBrokerPair.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
