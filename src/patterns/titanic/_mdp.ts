/**
 * Titanic's only contact with the Majordomo classes: a worker for each TSP
 * service and a one-attempt client for the dispatcher. Everything else in
 * Titanic talks to these two small interfaces, so a change of the
 * Majordomo API touches this file alone. Private.
 *
 * @module
 */
import { MajordomoClient } from "../majordomo/client.ts";
import { MajordomoWorker } from "../majordomo/worker.ts";
import type { Logger } from "../../_util/logger.ts";
import type { Frame } from "../../types.ts";
import type { SocketOptions } from "../../transport/mod.ts";
import type { ClientSecurity } from "../../security/settings.ts";
import { parseMmiStatus } from "../../protocol/mmi/codec.ts";

/** A running worker. */
export interface WorkerPort {
  /** Resolves once registered with the broker. */
  readonly ready: Promise<void>;
  /** Stops serving (DISCONNECT) once the request in hand is answered. */
  close(): Promise<void>;
}

/** What a worker needs. */
export interface WorkerSettings {
  heartbeatIntervalMs: number;
  liveness: number;
  logger: Logger;
  socketOptions: SocketOptions;
  security?: ClientSecurity;
}

/**
 * Starts a worker for `service` on the broker at `endpoint`.
 * @param endpoint The broker.
 * @param service The service name.
 * @param handler Request body to reply body; must not throw.
 * @param s Heartbeat and logger.
 * @returns The worker.
 */
export function startWorker(
  endpoint: string,
  service: string,
  handler: (body: Uint8Array[]) => Promise<Frame[]>,
  s: WorkerSettings,
): Promise<WorkerPort> {
  return MajordomoWorker.connect(endpoint, service, handler, {
    heartbeatIntervalMs: s.heartbeatIntervalMs,
    liveness: s.liveness,
    reconnectInitialMs: Math.min(1000, s.heartbeatIntervalMs),
    logger: s.logger,
    socketOptions: s.socketOptions,
    ...(s.security ? { security: s.security } : {}),
  });
}

/** The result of an MMI `mmi.service` probe. */
export type ServiceProbe = "present" | "absent" | "no-mmi";

/** A Majordomo client for one request at a time. */
export interface ClientPort {
  /**
   * Sends one request, one attempt.
   * @param service The target service.
   * @param body The request body.
   * @param attemptTimeoutMs How long to wait for the reply.
   * @returns The reply body.
   * @throws {Error} On no reply in time, or any failure.
   */
  request(
    service: string,
    body: Uint8Array[],
    attemptTimeoutMs: number,
    more?: { maxAttempts?: number; signal?: AbortSignal },
  ): Promise<Uint8Array[]>;
  /**
   * Asks the broker's `mmi.service` whether `service` has workers.
   * @param service The service.
   * @param timeoutMs How long to wait.
   * @returns Present, absent, or the broker has no MMI (501 or another code).
   * @throws {Error} When the broker does not answer.
   */
  probe(service: string, timeoutMs: number): Promise<ServiceProbe>;
  /** Closes the client. */
  close(): Promise<void>;
}

/**
 * Opens a client of the broker at `endpoint`.
 * @param endpoint The broker.
 * @param logger Where diagnostics go.
 * @param socketOptions Applied to the client's sockets.
 * @param security How to prove who this is to a secure broker.
 * @returns The client.
 */
export async function openClient(
  endpoint: string,
  logger: Logger,
  socketOptions: SocketOptions = {},
  security?: ClientSecurity,
): Promise<ClientPort> {
  const c = await MajordomoClient.connect(endpoint, {
    maxAttempts: 1,
    checkServiceOnTimeout: false,
    logger,
    socketOptions,
    ...(security ? { security } : {}),
  });
  return {
    request: (service, body, attemptTimeoutMs, more) =>
      c.request(service, body, {
        attemptTimeoutMs: Math.max(1, attemptTimeoutMs),
        maxAttempts: more?.maxAttempts ?? 1,
        signal: more?.signal,
      }),
    async probe(service, timeoutMs) {
      const r = await c.request("mmi.service", [service], {
        attemptTimeoutMs: Math.max(1, timeoutMs),
        maxAttempts: 1,
      });
      const status = parseMmiStatus(r);
      return status === "200"
        ? "present"
        : status === "404"
        ? "absent"
        : "no-mmi";
    },
    close: () => c.close(),
  };
}
