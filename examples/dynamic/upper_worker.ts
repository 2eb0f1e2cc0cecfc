// A Web Worker module for examples/dynamic/server.ts: upper-cases the
// request; "fail" throws (error reply "500"), "crash" kills the worker with
// an uncaught error (also "500"), "sleep:<ms>" waits first.
import { serveDynamicWorker } from "../../src/patterns/dynamic/web_worker.ts";

const td = new TextDecoder();
serveDynamicWorker(async (request) => {
  const text = td.decode(request[0]);
  if (text === "fail") throw new Error("asked to fail");
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
