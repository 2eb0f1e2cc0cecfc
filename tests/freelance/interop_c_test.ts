/**
 * Interop with the guide's C Freelance model three (flserver3, flclient3),
 * when they are built: set RZ_ANCHORS to the directory of
 * `bash ../shared/anchors/build.sh OUT` and run as root (the C programs use
 * fixed ports, so each side runs in a network namespace of its own,
 * `unshare -n`). Skipped otherwise.
 */
import { assert, assertEquals } from "../helpers/assert.ts";

const OUT = Deno.env.get("RZ_ANCHORS");
const ignore = !OUT || Deno.uid?.() !== 0;
const root = new URL("../../", import.meta.url).pathname;

async function inNamespace(script: string): Promise<string> {
  const o = await new Deno.Command("unshare", {
    args: ["-n", "bash", "-c", `ip link set lo up; ${script}`],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).output();
  return new TextDecoder().decode(o.stdout);
}

Deno.test({
  name: "interop: our FreelanceClient against the guide's flserver3",
  ignore,
  async fn() {
    const client = `
      import { FreelanceClient, shutdown, silentLogger } from "${root}mod.ts";
      const c = await FreelanceClient.connect("tcp://localhost:5555", { logger: silentLogger, deadlineMs: 10000 });
      let ok = 0;
      for (let i = 0; i < 500; i++) {
        const r = await c.request(["name"]);
        if (r.length === 1 && new TextDecoder().decode(r[0]) === "OK") ok++;
      }
      console.log(JSON.stringify({ ok, late: c.stats.late }));
      await c.close();
      await shutdown();`;
    const file = await Deno.makeTempFile({ suffix: ".ts" });
    await Deno.writeTextFile(file, client);
    try {
      const out = await inNamespace(
        `${OUT}/bin/flserver3 >/dev/null & sleep 0.3; ${Deno.execPath()} run -A ${file}; kill $(jobs -p)`,
      );
      const line = out.split("\n").find((l) => l.startsWith("{"));
      assert(line, out);
      assertEquals(JSON.parse(line).ok, 500);
    } finally {
      await Deno.remove(file);
    }
  },
});

Deno.test({
  name: "interop: the guide's flclient3 against our FreelanceServer",
  ignore,
  async fn() {
    const out = await inNamespace(
      `${Deno.execPath()} run -A ${root}examples/freelance/server.ts --bind 'tcp://*:5555' --reply OK >/dev/null 2>&1 & sleep 3; timeout 50 ${OUT}/bin/flclient3; kill $(jobs -p)`,
    );
    assert(/Average round trip cost: \d+ usec/.test(out), out);
  },
});
