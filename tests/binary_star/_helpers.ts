/** Shared pieces of the Binary Star scenarios: ports, children, states. */
import { type Child, spawnChild } from "../helpers/spawn.ts";

/** Ports free right now (the pair must restart on the same ones). */
export function freePorts(n: number): number[] {
  const ls = Array.from(
    { length: n },
    () => Deno.listen({ hostname: "127.0.0.1", port: 0 }),
  );
  const ports = ls.map((l) => (l.addr as Deno.NetAddr).port);
  for (const l of ls) l.close();
  return ports;
}

/** Endpoints of a pair of echo servers. */
export interface PairPorts {
  primary: { frontend: string; local: string };
  backup: { frontend: string; local: string };
}

/** Picks the four endpoints of a pair. */
export function pairPorts(): PairPorts {
  const [a, b, c, d] = freePorts(4).map((p) => `tcp://127.0.0.1:${p}`);
  return {
    primary: { frontend: a, local: c },
    backup: { frontend: b, local: d },
  };
}

const ex = (name: string) =>
  new URL(`../../examples/binary_star/${name}`, import.meta.url);

/** Spawns one echo server of the pair (examples/binary_star/bstar_server.ts). */
export function bstarServer(
  role: "primary" | "backup",
  ports: PairPorts,
  heartbeatMs: number,
): Promise<Child> {
  const me = ports[role];
  const peer = ports[role === "primary" ? "backup" : "primary"];
  return spawnChild(ex("bstar_server.ts"), {
    args: [
      `--${role}`,
      "--frontend",
      me.frontend,
      "--local",
      me.local,
      "--peer",
      peer.local,
      "--heartbeat-ms",
      String(heartbeatMs),
      "--log-level",
      "warn",
    ],
    readyTimeoutMs: 60000,
  });
}

/** The guide-protocol REQ client (examples/binary_star/bstar_client.ts). */
export function guideClient(
  ports: PairPorts,
  args: string[],
): Promise<Child> {
  return spawnChild(ex("bstar_client.ts"), {
    args: [
      "--primary",
      ports.primary.frontend,
      "--backup",
      ports.backup.frontend,
      ...args,
    ],
    readyTimeoutMs: 60000,
  });
}

/** States a child announced on stdout, in order (ready line included). */
export function states(c: Child): string[] {
  const out: string[] = [];
  for (const line of c.stdoutLines) {
    try {
      const j = JSON.parse(line);
      if (typeof j.state === "string") out.push(j.state);
    } catch {
      // not JSON
    }
  }
  return out;
}

/** Waits until a child announces `state`. */
export function waitState(c: Child, state: string, timeoutMs = 20000) {
  return c.waitForLine((l) => {
    try {
      return JSON.parse(l).state === state;
    } catch {
      return false;
    }
  }, timeoutMs);
}

/** Shows the children's stderr when `fn` fails. */
export async function withStderr<T>(
  children: () => (Child | undefined)[],
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    for (const c of children()) {
      if (!c) continue;
      console.error(
        `--- child ${c.pid} stdout ---\n${
          c.stdoutLines.join("\n").slice(-3000)
        }\n--- stderr ---\n${c.stderrText().slice(-3000)}`,
      );
    }
    throw e;
  }
}

/** Sleeps. */
export const sleep = (ms: number) =>
  new Promise<void>((r) => setTimeout(r, ms));
