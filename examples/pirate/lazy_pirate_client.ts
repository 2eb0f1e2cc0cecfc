// Lazy Pirate client (the guide's lpclient): sends sequence numbers,
// checks each reply echoes its request, retries on a fresh socket.
//
//   deno run -A examples/pirate/lazy_pirate_client.ts --connect tcp://127.0.0.1:5555 --requests 10
import {
  consoleLogger,
  LazyPirateClient,
  RequestTimeoutError,
  shutdown,
} from "../../mod.ts";
import { flags, num } from "./_args.ts";

const f = flags({
  connect: "string",
  requests: "string",
  "timeout-ms": "string",
  attempts: "string",
}, {
  connect: "tcp://127.0.0.1:5555",
  requests: "10",
  "timeout-ms": "2500",
  attempts: "3",
});
const td = new TextDecoder();
const client = await LazyPirateClient.connect(f.connect as string, {
  attemptTimeoutMs: num(f, "timeout-ms"),
  maxAttempts: num(f, "attempts"),
  validateReply: (req, rep) => rep.length === 1 && td.decode(rep[0]) === req[0],
  logger: consoleLogger("warn", "lpclient"),
});
let code = 0;
for (let seq = 1; seq <= num(f, "requests"); seq++) {
  try {
    const [reply] = await client.request([String(seq)]);
    console.log(`I: server replied OK (${td.decode(reply)})`);
  } catch (e) {
    if (!(e instanceof RequestTimeoutError)) throw e;
    console.log(`E: server seems to be offline, abandoning (${e.message})`);
    code = 1;
    break;
  }
}
client.close();
await shutdown();
Deno.exit(code);
