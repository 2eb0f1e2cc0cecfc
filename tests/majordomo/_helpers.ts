// Shared helpers of the Majordomo tests: spawn the broker CLI and the example
// worker as real child processes, and drive raw MDP peers on DEALER sockets.
import { DealerSocket, type Frame, TimeoutError } from "../../mod.ts";
import { type Child, spawnChild } from "../helpers/spawn.ts";

export const te = new TextEncoder();
export const td = new TextDecoder();
export const BROKER = new URL("../../src/cli/broker.ts", import.meta.url);
export const ECHO_WORKER = new URL(
  "../../examples/majordomo/echo_worker.ts",
  import.meta.url,
);
/** Heartbeat used by the scenarios (short, per the test rules). */
export const HB = 100;

/** Starts the broker CLI on a random loopback port. */
export function spawnBroker(
  extra: string[] = [],
  bind = "tcp://127.0.0.1:*",
  permissions: string[] = ["-A"],
): Promise<Child> {
  return spawnChild(BROKER, {
    permissions,
    args: [
      "--bind",
      bind,
      "--heartbeat-ms",
      String(HB),
      "--log-level",
      "warn",
      "--stats-ms",
      "0",
      ...extra,
    ],
  });
}

/** Starts the example echo worker. */
export function spawnWorker(
  endpoint: string,
  extra: string[] = [],
): Promise<Child> {
  return spawnChild(ECHO_WORKER, {
    args: [
      "--endpoint",
      endpoint,
      "--heartbeat-ms",
      String(HB),
      "--reconnect-ms",
      "100",
      ...extra,
    ],
  });
}

/** Frames as strings (bytes shown as hex when not printable). */
export function show(frames: readonly Uint8Array[]): string[] {
  return frames.map((f) =>
    f.every((b) => b >= 0x20 && b < 0x7f)
      ? td.decode(f)
      : "0x" + [...f].map((b) => b.toString(16).padStart(2, "0")).join("")
  );
}

export const b = (...xs: number[]): Uint8Array => new Uint8Array(xs);

/** A raw MDP peer on a DEALER socket. */
export class Peer {
  readonly sock: DealerSocket;
  constructor(endpoint: string, routingId?: string) {
    this.sock = new DealerSocket(routingId ? { routingId } : {});
    this.sock.connect(endpoint);
  }
  send(frames: Frame[]): Promise<void> {
    return this.sock.send(frames);
  }
  recv(timeoutMs = 10000): Promise<Uint8Array[]> {
    return this.sock.receive({ timeoutMs });
  }
  /** Receives, skipping broker HEARTBEATs. */
  async recvNonHeartbeat(timeoutMs = 10000): Promise<Uint8Array[]> {
    const end = performance.now() + timeoutMs;
    for (;;) {
      const m = await this.sock.receive({
        timeoutMs: Math.max(1, end - performance.now()),
      });
      if (m.length === 3 && m[2].length === 1 && m[2][0] === 4) continue;
      return m;
    }
  }
  /** Asks mmi.service on this socket and returns the status (barrier). */
  async mmi(service: string): Promise<string> {
    await this.send(["", "MDPC01", "mmi.service", service]);
    const m = await this.recvNonHeartbeat();
    return td.decode(m[3]);
  }
  close(): void {
    this.sock.close();
  }
}

/** Polls `fn` until it returns true (a condition wait, not a sleep). */
export async function until(
  fn: () => boolean | Promise<boolean>,
  timeoutMs = 15000,
  what = "condition",
): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!(await fn())) {
    if (performance.now() > end) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** mmi.stats through a throwaway peer. */
export async function brokerStats(endpoint: string): Promise<{
  workers: number;
  queued: number;
  queuedBytes: number;
  services: {
    name: string;
    workers: number;
    waiting: number;
    queued: number;
  }[];
  counters: Record<string, number>;
  memory: Record<string, number>;
}> {
  const p = new Peer(endpoint);
  try {
    await p.send(["", "MDPC01", "mmi.stats", "x"]);
    const m = await p.recv();
    return JSON.parse(td.decode(m[4]));
  } finally {
    p.close();
  }
}

export { TimeoutError };
