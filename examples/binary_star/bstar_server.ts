// Binary Star server (the guide's bstarsrv, as flags): one of a primary /
// backup pair of echo servers. Start one with --primary and one with
// --backup, each pointing --peer at the other's --local.
import { BinaryStarServer, consoleLogger, shutdown } from "../../mod.ts";
import {
  exitOnSignal,
  int,
  logLevel,
  parse,
  type Program,
  ready,
  run,
  UsageError,
} from "../_cli.ts";

const PROGRAM: Program = {
  usage:
    "deno run -A examples/binary_star/bstar_server.ts --primary|--backup [flags]",
  about: `
An echo server that is one half of a Binary Star pair. Prints one JSON ready
line on stdout, then one JSON line per state change
({"event":"state","state":"ACTIVE",...}).

What to expect: the primary goes ACTIVE as soon as it hears the backup, the
backup PASSIVE. Kill the primary: the backup goes ACTIVE when the next client
request arrives after the failover timeout (heartbeat x liveness), or at that
instant for a request that came up to one heartbeat earlier (held, then
served). Restart the primary: it comes back PASSIVE.

  deno run -A examples/binary_star/bstar_server.ts --primary
  deno run -A examples/binary_star/bstar_server.ts --backup
  deno run -A examples/binary_star/bstar_client.ts`,
  flags: {
    primary: { type: "boolean", description: "run as the primary" },
    backup: { type: "boolean", description: "run as the backup" },
    frontend: {
      type: "string",
      description:
        "client endpoint (default tcp://*:5001 primary, 5002 backup)",
    },
    local: {
      type: "string",
      description:
        "state PUB endpoint (default tcp://*:5003 primary, 5004 backup)",
    },
    peer: {
      type: "string",
      description:
        "the peer's state endpoint (default tcp://localhost:5004 primary, 5003 backup)",
    },
    "heartbeat-ms": {
      type: "string",
      description: "state heartbeat, ms",
      default: "1000",
    },
    liveness: {
      type: "string",
      description: "missed heartbeats before the peer is gone",
      default: "2",
    },
    "log-level": {
      type: "string",
      description: "debug, info, warn, error or silent",
      default: "warn",
    },
  },
};

const f = parse(PROGRAM);
await run(PROGRAM, async () => {
  if (f.primary === f.backup) {
    throw new UsageError("give exactly one of --primary and --backup");
  }
  const primary = f.primary === true;
  const server = await BinaryStarServer.start({
    role: primary ? "primary" : "backup",
    frontend: (f.frontend as string | undefined) ??
      (primary ? "tcp://*:5001" : "tcp://*:5002"),
    stateBind: (f.local as string | undefined) ??
      (primary ? "tcp://*:5003" : "tcp://*:5004"),
    statePeer: (f.peer as string | undefined) ??
      (primary ? "tcp://localhost:5004" : "tcp://localhost:5003"),
    heartbeatIntervalMs: int(f, "heartbeat-ms", 1, 600_000),
    liveness: int(f, "liveness", 1, 1000),
    logger: consoleLogger(logLevel(f), primary ? "primary" : "backup"),
    onEvent: (e) => {
      if (e.type === "state:changed") {
        console.log(
          JSON.stringify({ event: "state", state: e.to, cause: e.cause }),
        );
      }
    },
  });
  exitOnSignal(async () => {
    await server.close();
    await shutdown();
  });
  ready({
    endpoint: server.frontendEndpoint,
    stateEndpoint: server.node.stateEndpoint,
    role: server.node.role,
    state: server.state,
  });
});
