// The worker module of examples/dynamic/server.ts, run as a Web Worker
// (--kind web-worker) or a child process (--kind process): upper-cases the
// request and replies on its own DEALER to the server's backend. "fail"
// throws (the worker replies "500"), "crash" kills the worker with an
// uncaught error (the server replies "500"), "sleep:<ms>" waits first (a
// bad <ms> is a "500"), "pid" answers the process id. Run by hand, it only
// explains itself.
import { serveDynamicWorker } from "../../src/patterns/dynamic/web_worker.ts";
import { jobMs, parse, type Program } from "../_cli.ts";

const PROGRAM: Program = {
  usage: "deno run -A examples/dynamic/upper_worker.ts --help",
  about: `
Not a program to start by hand: examples/dynamic/server.ts starts this module
for its requests, as a Web Worker (--kind web-worker) or a child process
(--kind process). It upper-cases each request; "fail", "crash",
"sleep:<ms>" and "pid" show the server's error replies.`,
  flags: {},
};

const td = new TextDecoder();
const inWorker =
  typeof (globalThis as { postMessage?: unknown }).postMessage ===
    "function";
let byServer = false;
try {
  byServer = Deno.env.get("RELIABLE_ZMQ_DYNAMIC_WORKER") === "1";
} catch {
  // no env permission: not started by the server
}
if (!inWorker && !byServer) {
  parse(PROGRAM); // --help, or a usage error
  console.error(PROGRAM.about.trim());
  Deno.exit(2);
}
serveDynamicWorker(async (request) => {
  const text = td.decode(request[0]);
  if (text === "fail") throw new Error("asked to fail");
  if (text === "pid") return [String(Deno.pid)];
  if (text === "crash") {
    setTimeout(() => {
      throw new Error("asked to crash");
    }, 0);
    await new Promise(() => {}); // never answers: the crash must
  }
  if (text.startsWith("sleep:")) {
    const ms = jobMs(text.slice(6));
    await new Promise((r) => setTimeout(r, ms));
  }
  return [text.toUpperCase()];
});
