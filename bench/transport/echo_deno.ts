/**
 * The echo benchmark on our transport (Deno FFI to libzmq).
 *
 *     deno run --allow-net --allow-ffi --allow-read --allow-env \
 *       bench/transport/echo_deno.ts server
 *     deno run ... bench/transport/echo_deno.ts client <shape> <endpoint>
 *
 * The server prints one JSON ready line with its endpoint; the client prints
 * one JSON result line. Reactor budgets come from the environment:
 * `RZ_SPIN_US`, `RZ_NAP_MS`, `RZ_NAP_SLICE_MS`, `RZ_ADAPTIVE=0` (unset: library defaults);
 * `RZ_VARIANT` names the variant in the output, `RZ_SCALE` scales the counts,
 * `RZ_IDLE_MS` overrides the idle shape's duration.
 *
 * @module
 */
import {
  configureReactor,
  DealerSocket,
  type ReactorOptions,
  reactorStats,
  RouterSocket,
  shutdown,
} from "../../mod.ts";
import { runClient, serve, SOCKET_OPTIONS } from "./common.mjs";

// The same options under this library's names (times end in Ms).
const { linger, ...shared } = SOCKET_OPTIONS;
const OPTIONS = { ...shared, lingerMs: linger };

function numberEnv(name: string): number | undefined {
  const v = Deno.env.get(name);
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new RangeError(`${name}=${v} is not a number`);
  return n;
}

const budget: ReactorOptions = {};
const spinUs = numberEnv("RZ_SPIN_US");
const napMs = numberEnv("RZ_NAP_MS");
const napSliceMs = numberEnv("RZ_NAP_SLICE_MS");
if (spinUs !== undefined) budget.spinUs = spinUs;
if (napMs !== undefined) budget.napMs = napMs;
if (napSliceMs !== undefined) budget.napSliceMs = napSliceMs;
if (Deno.env.get("RZ_ADAPTIVE") === "0") budget.adaptiveSpin = false;
configureReactor(budget);

const parks = (): number => reactorStats().parks;
const [role, shape, endpoint] = Deno.args;

if (role === "server") {
  const router = new RouterSocket(OPTIONS);
  const bound = router.bind("tcp://127.0.0.1:*");
  console.log(JSON.stringify({ ready: true, endpoint: bound, pid: Deno.pid }));
  try {
    await serve(router, parks);
  } finally {
    router.close();
    await shutdown();
  }
} else if (role === "client" && shape && endpoint) {
  const result = await runClient(shape, {
    dealer: () => new DealerSocket(OPTIONS),
    endpoint,
    parks,
    scale: numberEnv("RZ_SCALE"),
    idleMs: numberEnv("RZ_IDLE_MS"),
  });
  await shutdown();
  console.log(JSON.stringify({
    runtime: "deno",
    variant: Deno.env.get("RZ_VARIANT") ?? "default",
    budget,
    ...result,
  }));
  if (!result.ok) Deno.exitCode = 1;
} else {
  console.error("usage: echo_deno.ts server | client <shape> <endpoint>");
  Deno.exitCode = 2;
}
