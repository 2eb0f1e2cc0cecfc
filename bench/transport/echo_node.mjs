// The echo benchmark with zeromq.js's own API on Node (no build step).
//
//     node bench/transport/echo_node.mjs server
//     node bench/transport/echo_node.mjs client <shape> <endpoint>
//
// zeromq.js is loaded from the scratch install the driver makes
// (`.bench-tmp/node`, or RZ_NODE_PREFIX). The server prints one JSON ready
// line with its endpoint; the client prints one JSON result line.
import { createRequire } from "node:module";
import process from "node:process";
import { runClient, serve, SOCKET_OPTIONS } from "./common.mjs";

const prefix = process.env.RZ_NODE_PREFIX ??
  new URL("../../.bench-tmp/node/", import.meta.url).pathname;
const require = createRequire(prefix.replace(/\/?$/, "/"));
const zmq = require("zeromq");

function numberEnv(name) {
  const v = process.env[name];
  return v === undefined || v === "" ? undefined : Number(v);
}

const [role, shape, endpoint] = process.argv.slice(2);
const parks = () => null;

if (role === "server") {
  const router = new zmq.Router(SOCKET_OPTIONS);
  await router.bind("tcp://127.0.0.1:*");
  console.log(
    JSON.stringify({
      ready: true,
      endpoint: router.lastEndpoint,
      pid: process.pid,
    }),
  );
  try {
    await serve(router, parks);
  } finally {
    router.close();
  }
} else if (role === "client" && shape && endpoint) {
  const result = await runClient(shape, {
    dealer: () => new zmq.Dealer(SOCKET_OPTIONS),
    endpoint,
    parks,
    scale: numberEnv("RZ_SCALE"),
    idleMs: numberEnv("RZ_IDLE_MS"),
  });
  console.log(JSON.stringify({
    runtime: "node",
    variant: "node",
    zeromq: require("zeromq/package.json").version,
    libzmq: zmq.version,
    ...result,
  }));
  if (!result.ok) process.exitCode = 1;
} else {
  console.error("usage: echo_node.mjs server | client <shape> <endpoint>");
  process.exitCode = 2;
}
