/**
 * What both Pirate workers share before any socket exists: the handler
 * type, the option keys and checks, and the description of one kind of
 * worker (its socket, its table, its decoder). Private.
 *
 * @module
 */
import type { ClientSecurity } from "../../security/settings.ts";
import { clientSecurity } from "../_kit/security.ts";
import type { Clock } from "../../_util/clock.ts";
import type { Logger } from "../../_util/logger.ts";
import * as opt from "../../_util/options.ts";
import type { Frame, Message } from "../../types.ts";
import type {
  DealerSocket,
  ReqSocket,
  SocketOptions,
} from "../../transport/mod.ts";
import {
  checkEndpoint,
  checkFunction,
  checkSocketOptions,
} from "../_kit/checks.ts";
import { readLimits, type SizeLimits } from "../_kit/limits.ts";
import type { Machine } from "../_kit/fsm.ts";
import type { WorkerAction, WorkerEvent, WorkerState } from "./_fsm.ts";
import type { PirateWorkerEvent } from "./events.ts";

/**
 * A request handler: gets the request body (the frames after the client's
 * envelope) and returns the reply body (at least one frame). It may be
 * async. Its `signal` aborts when the worker closes.
 *
 * @example
 * ```ts
 * import type { PirateHandler } from "@reliable/zmq";
 * const upper: PirateHandler = (req) => [new TextDecoder().decode(req[0]).toUpperCase()];
 * ```
 */
export type PirateHandler = (
  request: Message,
  context: { readonly signal: AbortSignal },
) => readonly Frame[] | Promise<readonly Frame[]>;

/** Option keys both workers take. */
export const WORKER_KEYS = [
  "identity",
  "maxFrameBytes",
  "maxMessageBytes",
  "socketOptions",
  "security",
  "logger",
  "onEvent",
  "clock",
] as const;

/** The options both workers take (see their option docs). */
export interface WorkerCommonOptions {
  identity?: string;
  maxFrameBytes?: number;
  maxMessageBytes?: number;
  socketOptions?: SocketOptions;
  security?: ClientSecurity;
  logger?: Logger;
  onEvent?: (event: PirateWorkerEvent) => void;
  clock?: Clock;
}

/** What a message from the queue is, for the core. */
export type Decoded =
  | { readonly kind: "heartbeat" }
  | {
    readonly kind: "request";
    readonly envelope: Uint8Array[];
    readonly body: Uint8Array[];
  }
  | { readonly kind: "invalid"; readonly reason: string };

/** How one kind of worker talks to its queue. */
export interface WorkerKind {
  /** The class name, for messages and logs. */
  readonly name: string;
  /** The transition table. */
  readonly machine: Machine<WorkerState, WorkerEvent, WorkerAction>;
  /** Opens the socket (not yet connected). */
  open(options: SocketOptions): DealerSocket | ReqSocket;
  /** Classifies a message from the queue. */
  decode(m: Message): Decoded;
  /**
   * Whether the socket strictly alternates receive and send (REQ): then it
   * is not read again until the answer to the last message went out.
   */
  readonly alternates: boolean;
}

/** Checked arguments of a worker's `connect()`. */
export interface WorkerSetup {
  readonly endpoint: string;
  readonly handler: PirateHandler;
  readonly identity: string;
  readonly limits: SizeLimits;
  readonly socketOptions: SocketOptions;
  readonly log: Logger;
  readonly onEvent?: (event: PirateWorkerEvent) => void;
  readonly clock: Clock;
}

/**
 * The user's socket options plus those of `security` (which the user's
 * may then not set), checked.
 * @param owner For messages.
 * @param socketOptions The user's socket options.
 * @param security The `security` option.
 * @returns The options to open the socket with.
 */
export function withClientSecurity(
  owner: string,
  socketOptions: unknown,
  security: unknown,
): SocketOptions {
  const user = checkSocketOptions(owner, socketOptions);
  const sec = clientSecurity(owner, security, socketOptions);
  return Object.keys(sec).length === 0
    ? user
    : Object.freeze({ ...user, ...sec });
}

/** A printable random identity `XXXX-XXXX` (the guide's spworker style). */
function randomIdentity(): string {
  const n = crypto.getRandomValues(new Uint32Array(1))[0];
  const h = n.toString(16).toUpperCase().padStart(8, "0");
  return `${h.slice(0, 4)}-${h.slice(4)}`;
}

/**
 * Checks the arguments both workers' `connect()` take.
 * @param owner `"X.connect()"`, for messages.
 * @param endpoint The queue's backend.
 * @param handler The handler.
 * @param o The options (already checked for unknown keys).
 * @returns The setup.
 */
export function workerSetup(
  owner: string,
  endpoint: unknown,
  handler: unknown,
  o: WorkerCommonOptions,
): WorkerSetup {
  const ep = checkEndpoint(owner, "endpoint", endpoint, "connect");
  const h = checkFunction(owner, "handler", handler) as PirateHandler;
  const identity = o.identity ?? randomIdentity();
  if (
    typeof identity !== "string" || identity.length === 0 ||
    identity.length > 255
  ) {
    throw new TypeError(
      `${owner}: identity must be a 1-255 character string, got ${
        typeof identity === "string"
          ? `${identity.length} characters`
          : typeof identity
      }`,
    );
  }
  return {
    endpoint: ep,
    handler: h,
    identity,
    limits: readLimits(owner, o),
    socketOptions: withClientSecurity(owner, o.socketOptions, o.security),
    log: opt.logger(owner, o.logger, `${owner.split(".")[0]} ${identity}`),
    onEvent: opt.fn(owner, "onEvent", o.onEvent),
    clock: opt.clock(owner, o.clock),
  };
}
