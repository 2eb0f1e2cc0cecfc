// Dynamic-worker client: --clients REQ sockets at once, each sending its own
// text and checking that it gets its own reply back.
import { parseDynamicReply, ReqSocket, shutdown } from "../../mod.ts";
import { int, parse, type Program, run, str } from "../_cli.ts";

const PROGRAM: Program = {
  usage: "deno run -A examples/dynamic/client.ts [flags]",
  about: `
Opens --clients REQ sockets at once; client i sends "<text> i" and expects
"<TEXT> I" back with status "200". Prints one line per failed client, then
"N replies OK, M errors"; exits 0 when all succeeded, 1 otherwise.

  deno run -A examples/dynamic/server.ts --kind web-worker
  deno run -A examples/dynamic/client.ts --clients 1000
  deno run -A examples/dynamic/client.ts --clients 1 --text sleep:abc   # a "500"`,
  flags: {
    connect: {
      type: "string",
      description: "the server's frontend endpoint",
      default: "tcp://127.0.0.1:5555",
    },
    clients: {
      type: "string",
      description: "clients at once",
      default: "10",
    },
    text: {
      type: "string",
      description: "what each client sends (followed by its number)",
      default: "hello from client",
    },
    "timeout-ms": {
      type: "string",
      description: "time each client waits for its reply, ms",
      default: "30000",
    },
  },
};

const f = parse(PROGRAM);
await run(PROGRAM, async () => {
  const clients = int(f, "clients", 1, 100_000);
  const timeoutMs = int(f, "timeout-ms", 1, 2 ** 31 - 1);
  const endpoint = str(f, "connect");
  const base = str(f, "text");
  const td = new TextDecoder();
  let ok = 0, errors = 0;
  await Promise.all(
    Array.from({ length: clients }, async (_, i) => {
      const req = new ReqSocket({ lingerMs: 0 });
      const text = clients === 1 ? base : `${base} ${i}`;
      try {
        req.connect(endpoint);
        await req.send([text]);
        const r = parseDynamicReply(await req.receive({ timeoutMs }));
        if (r.ok && td.decode(r.body[0]) === text.toUpperCase()) ok++;
        else {
          errors++;
          console.log(`client ${i}: ${r.status} ${r.error ?? ""}`);
        }
      } catch (e) {
        errors++;
        console.log(`client ${i}: ${e instanceof Error ? e.message : e}`);
      } finally {
        req.close();
      }
    }),
  );
  console.log(`${ok} replies OK, ${errors} errors`);
  await shutdown();
  Deno.exit(errors ? 1 : 0);
});
