// First use: a new project whose deno.json is `{}` imports mod.ts by file
// URL, with nothing in its import map and no "nodeModulesDir", and runs a
// broker, a worker and a client as three processes with the least-privilege
// flags (--allow-ffi only). Deno keeps npm:zeromq in its global cache
// (DENO_DIR, shared with the rest of the suite), and the library must find
// its binary there.
import { assert, assertEquals } from "../helpers/assert.ts";
import { spawnChild } from "../helpers/spawn.ts";

const MOD_URL = new URL("../../mod.ts", import.meta.url).href;
const FIXTURES = new URL("./fixtures/", import.meta.url);
const LEAST = ["--allow-ffi"];

/** Creates the project: deno.json `{}` and the three programs. */
async function makeProject(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "reliable-zmq-first-use-" });
  await Deno.writeTextFile(`${dir}/deno.json`, "{}\n");
  for (const name of ["broker.ts", "worker.ts", "client.ts"]) {
    const source = await Deno.readTextFile(new URL(name, FIXTURES));
    assert(source.includes('"../../../mod.ts"'), name);
    await Deno.writeTextFile(
      `${dir}/${name}`,
      source.replaceAll('"../../../mod.ts"', JSON.stringify(MOD_URL)),
    );
  }
  return dir;
}

Deno.test({
  name:
    "an empty project imports mod.ts by URL and runs broker + worker + client with --allow-ffi only",
  // The children install nothing (the npm cache is warm from the suite) but
  // may type-check on first run: generous deadlines, no fixed sleeps.
  async fn() {
    const dir = await makeProject();
    let broker;
    try {
      broker = await spawnChild(`${dir}/broker.ts`, {
        permissions: LEAST,
        readyTimeoutMs: 60_000,
      });
    } catch (e) {
      await Deno.remove(dir, { recursive: true });
      throw e;
    }
    try {
      const endpoint = broker.ready.endpoint!;
      const worker = await spawnChild(`${dir}/worker.ts`, {
        permissions: LEAST,
        args: [endpoint],
        readyTimeoutMs: 60_000,
      });
      try {
        // The binary came from Deno's global npm cache, not a node_modules
        // folder (the project has none; the repo's must not be used).
        const libzmq = String(worker.ready.libzmq);
        assert(!libzmq.includes("/node_modules/"), libzmq);
        assert(
          libzmq.includes("/npm/registry.npmjs.org/zeromq/6.8.0/"),
          libzmq,
        );

        const client = await new Deno.Command(Deno.execPath(), {
          args: ["run", ...LEAST, `${dir}/client.ts`, endpoint],
          cwd: dir,
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
          signal: AbortSignal.timeout(60_000),
        }).output();
        const out = new TextDecoder().decode(client.stdout).trim();
        const err = new TextDecoder().decode(client.stderr);
        assertEquals(client.code, 0, `client exited ${client.code}: ${err}`);
        assertEquals(JSON.parse(out.split("\n").at(-1)!), {
          reply: "hello from a new project",
        });
        // No warning, prompt or stack trace on the way.
        assertEquals(err.trim(), "", err);
        assertEquals(await project(dir), [
          "broker.ts",
          "client.ts",
          "deno.json",
          "deno.lock",
          "worker.ts",
        ]);
      } finally {
        worker.process.kill("SIGTERM");
        const ws = await worker.process.status;
        assertEquals(ws.code, 0, `worker exited ${JSON.stringify(ws)}`);
      }
    } finally {
      broker.process.kill("SIGTERM");
      const bs = await broker.process.status;
      assertEquals(bs.code, 0, `broker exited ${JSON.stringify(bs)}`);
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** The project's files after the run: no node_modules was created. */
async function project(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  return names.sort();
}
