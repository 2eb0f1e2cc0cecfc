// The worker module of examples/dynamic/server.ts, run as a Web Worker
// (--kind web-worker) or a child process (--kind process): upper-cases the
// request and replies on its own DEALER to the server's backend. "fail"
// throws (the worker replies "500"), "crash" kills the worker with an
// uncaught error (the server replies "500"), "sleep:<ms>" waits first, "pid"
// answers the process id.
import { serveDynamicWorker } from "../../src/patterns/dynamic/web_worker.ts";

const td = new TextDecoder();
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
    await new Promise((r) => setTimeout(r, Number(text.slice(6))));
  }
  return [text.toUpperCase()];
});
