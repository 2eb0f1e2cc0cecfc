/**
 * The state the broker's core shares between its client side
 * (`_broker_clients.ts`) and its worker side (`_broker_workers.ts`): the
 * envelope, the output, the policy, the report, the worker registry and
 * the services. Private.
 *
 * @module
 */
import type { Envelope } from "../../core/mod.ts";
import type { EventHub } from "../_kit/events.ts";
import type {
  ExpiryCause,
  RegisteredWorker,
  WorkerRegistry,
} from "../_kit/registry.ts";
import type { BrokerPolicy } from "./_broker_policy.ts";
import type { SendResult } from "./_broker_out.ts";
import type { BrokerReport } from "./_broker_report.ts";
import type { Service, ServiceTable } from "./_broker_services.ts";
import type { MmiContext } from "./_broker_mmi.ts";
import type { MajordomoBrokerEvent } from "./broker_types.ts";

/** Where the core's messages go: the shell's ROUTER, or a test's recorder. */
export interface BrokerOutput {
  /**
   * Sends one message, frame 0 being the destination identity, without
   * waiting.
   * @param frames The frames (views valid only during the call).
   * @returns Whether it was sent, refused (the peer's queue is full) or
   * unroutable (the peer is gone).
   */
  send(frames: Uint8Array[]): SendResult;
}

/** The RZ request a worker holds. */
export interface Job {
  readonly client: Uint8Array;
  readonly corr: Uint8Array;
  readonly id: number;
  readonly key: string;
}

/** A registered worker. */
export interface Worker extends RegisteredWorker {
  readonly identity: Uint8Array;
  readonly svc: Service;
  lastSentAt: number;
  /** The RZ request it holds (null: idle, or a plain 7/MDP request). */
  job: Job | null;
}

/** What both sides of the core read and change. */
export interface BrokerState {
  readonly env: Envelope;
  readonly out: BrokerOutput;
  readonly p: BrokerPolicy;
  readonly rep: BrokerReport;
  readonly ev: EventHub<MajordomoBrokerEvent>;
  readonly reg: WorkerRegistry<Worker>;
  readonly svc: ServiceTable;
  readonly mmi: MmiContext;
  /** Called by the registry for each worker it expires. */
  readonly onExpired: (w: Worker, cause: ExpiryCause) => void;
  /** Whether the sender of the READY at hand may register (`workerSecurity`). */
  readonly workerAllowed?: () => boolean;
  /** Hands waiting requests of a service to its waiting workers. */
  readonly dispatch: (svc: Service, now: number, live: number) => void;
  /**
   * A frame list reused for every request and reply sent (sends are
   * synchronous and the output keeps nothing of it after the call).
   */
  readonly frames: Uint8Array[];
}
