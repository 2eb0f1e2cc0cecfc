// Dynamic-worker client (seed 000): --clients REQ sockets at once, each
// sending its own text and checking it gets its own reply back.
//
//   deno run -A examples/dynamic/client.ts --connect tcp://127.0.0.1:5555 --clients 100
import { parseDynamicReply, ReqSocket, shutdown } from "../../mod.ts";
import { flags, num } from "../pirate/_args.ts";

const f = flags({ connect: "string", clients: "string", text: "string" }, {
  connect: "tcp://127.0.0.1:5555",
  clients: "10",
  text: "hello from client",
});
const td = new TextDecoder();
let ok = 0, errors = 0;
await Promise.all(
  Array.from({ length: num(f, "clients") }, async (_, i) => {
    const req = new ReqSocket();
    req.connect(f.connect as string);
    const text = `${f.text} ${i}`;
    await req.send([text]);
    const r = parseDynamicReply(await req.receive({ timeoutMs: 30000 }));
    req.close();
    if (r.ok && td.decode(r.body[0]) === text.toUpperCase()) ok++;
    else {
      errors++;
      console.log(`client ${i}: ${r.status} ${r.error ?? ""}`);
    }
  }),
);
console.log(`${ok} replies OK, ${errors} errors`);
await shutdown();
Deno.exit(errors ? 1 : 0);
