// The load run's flags and its resource plan: how many client processes,
// how many file descriptors each process needs, and what to raise when the
// machine is short (it says so exactly, and refuses to start a run that
// cannot work).
import {
  type FlagSpec,
  intFlag,
  type ParsedFlags,
} from "../../src/_util/args.ts";
import { fileDescriptorLimit } from "../../src/transport/mod.ts";
import { sysctls } from "./_sys.ts";

export const FLAGS: Record<string, FlagSpec> = {
  clients: {
    type: "string",
    description: "client sockets in total",
    default: "10000",
  },
  procs: {
    type: "string",
    description:
      "client processes (default: enough for the fd limit, at most 2,500 clients each)",
  },
  rate: {
    type: "string",
    description:
      "requests/s per client; 0 = each client as fast as it can (saturation)",
    default: "1",
  },
  "duration-s": {
    type: "string",
    description: "how long clients send",
    default: "30",
  },
  "ramp-s": {
    type: "string",
    description: "spread the clients' start over this long",
    default: "0",
  },
  workers: {
    type: "string",
    description: "echo workers (one process)",
    default: "4",
  },
  "timeout-ms": {
    type: "string",
    description: "per-attempt timeout",
    default: "2500",
  },
  attempts: {
    type: "string",
    description: "attempts per request",
    default: "3",
  },
  retry: {
    type: "string",
    description:
      "on a silent attempt: lazy (new socket at once, as MajordomoClient), resend (same socket at once), backoff (same socket after a jittered exponential delay; the default)",
    default: "backoff",
  },
  client: {
    type: "string",
    description: "raw (DEALERs speaking 7/MDP, cheap) or api (MajordomoClient)",
    default: "raw",
  },
  "reconnect-ms": {
    type: "string",
    description: "clients' ZMQ_RECONNECT_IVL",
    default: "100",
  },
  "reconnect-max-ms": {
    type: "string",
    description: "clients' ZMQ_RECONNECT_IVL_MAX",
    default: "0",
  },
  "body-bytes": { type: "string", description: "request size", default: "16" },
  endpoint: {
    type: "string",
    description: "use this running broker instead of starting one",
  },
  "broker-heartbeat-ms": {
    type: "string",
    description: "the started broker's heartbeat interval",
  },
  "broker-request-ttl-ms": {
    type: "string",
    description:
      "the started broker's requestTtlMs (how long a request may wait for a worker)",
  },
  "spin-us": {
    type: "string",
    description: "the started broker's reactor spin (µs)",
  },
  "progress-s": {
    type: "string",
    description: "seconds between progress lines",
    default: "5",
  },
  "no-ss": { type: "boolean", description: "do not sample TCP states with ss" },
  json: {
    type: "string",
    description: "also write the JSON record to this file",
  },
  bad: {
    type: "string",
    description: "bad clients, e.g. vanish=1000,garbage=100,noread=100",
  },
  "bad-at-s": {
    type: "string",
    description: "when the bad clients start",
    default: "10",
  },
  help: { type: "boolean", short: "h", description: "show this help" },
};

export interface Plan {
  clients: number;
  procs: number;
  perProc: number[];
  fdPerClientProc: number;
  fdBroker: number;
  fdLimit: { soft: number; hard: number };
  sysctls: Record<string, number | string>;
  warnings: string[];
  /** Set when the run cannot work on this machine. */
  error?: string;
}

const MAX_PER_PROC = 2500;
// Deno's own descriptors plus the transport's reserve (fd_limit.ts).
const PROC_OVERHEAD = 64 + 128;

export function makePlan(f: ParsedFlags, badClients: number): Plan {
  const clients = intFlag(f, "clients", 1)!;
  const workers = intFlag(f, "workers", 1)!;
  const lim = fileDescriptorLimit();
  const warnings: string[] = [];
  // Each client: its socket's mailbox + its TCP connection; the lazy policy
  // briefly holds a closing one too.
  const perClient = f.retry === "lazy" ? 3 : 2;
  const maxPerProc = Math.max(
    1,
    Math.min(MAX_PER_PROC, Math.floor((lim.hard - PROC_OVERHEAD) / perClient)),
  );
  let procs = intFlag(f, "procs", 1) ?? Math.ceil(clients / maxPerProc);
  procs = Math.min(procs, clients);
  const perProc = Array.from(
    { length: procs },
    (_, i) => Math.floor(clients / procs) + (i < clients % procs ? 1 : 0),
  );
  const fdPerClientProc = perProc[0] * perClient + PROC_OVERHEAD;
  // The broker: one per connection, and closed ones linger while libzmq
  // tears them down under churn.
  const fdBroker = Math.ceil((clients + badClients) * 1.25) + workers +
    PROC_OVERHEAD;
  const s = sysctls();
  const plan: Plan = {
    clients,
    procs,
    perProc,
    fdPerClientProc,
    fdBroker,
    fdLimit: lim,
    sysctls: s,
    warnings,
  };
  const need = Math.max(fdPerClientProc, f.endpoint ? 0 : fdBroker);
  if (need > lim.hard) {
    plan.error =
      `This run needs up to ${
        need.toLocaleString("en-US")
      } file descriptors in one process (broker ${
        fdBroker.toLocaleString("en-US")
      }, each client process ${
        fdPerClientProc.toLocaleString("en-US")
      }), but the hard limit is ${lim.hard.toLocaleString("en-US")}. ` +
      (fdPerClientProc > lim.hard
        ? `Use more client processes (--procs ${
          Math.ceil(
            clients / Math.floor((lim.hard - PROC_OVERHEAD) / perClient),
          )
        }) or raise the limit. `
        : "") +
      `Raise it as root before running: \`ulimit -Hn ${need} && ulimit -Sn ${need}\` in the shell that runs the task, LimitNOFILE=${need} in a systemd unit, or "* hard nofile ${need}" in /etc/security/limits.conf (the kernel caps it at fs.nr_open = ${s.nr_open}).`;
  } else if (need > lim.soft) {
    warnings.push(
      `soft fd limit ${lim.soft} < ${need} needed: every process raises its soft limit to the hard limit ${lim.hard} itself`,
    );
  }
  const somax = s.somaxconn as number;
  if (somax < Math.min(clients, 4096)) {
    warnings.push(
      `net.core.somaxconn = ${somax} caps the broker's accept queue (ZMQ_BACKLOG 4096): a burst of ${clients} connects overflows it and the dropped SYNs are retried after 1 s, 3 s, 7 s...; raise it: sysctl -w net.core.somaxconn=4096`,
    );
  }
  const [lo, hi] = String(s.ip_local_port_range).split("-").map(Number);
  if (hi - lo < clients * 1.5) {
    warnings.push(
      `ip_local_port_range ${s.ip_local_port_range} gives ${
        hi - lo
      } ports to ${clients} clients on one address (plus TIME_WAIT under churn); widen it: sysctl -w net.ipv4.ip_local_port_range="10000 65000"`,
    );
  }
  return plan;
}
