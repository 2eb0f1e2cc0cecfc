/**
 * Smoke test of every example program: each file under `examples/` (found
 * at run time, so new examples are covered without editing this test;
 * `_`-prefixed files and folders are helpers, not programs) must
 *
 * - print its usage on `--help` and exit 0, and
 * - refuse an unknown flag with a one-line error and the usage on stderr,
 *   exit 2, and no stack trace.
 */
import { assert, assertEquals } from "./helpers/assert.ts";

const root = new URL("../examples/", import.meta.url);

function programs(dir: URL, prefix = ""): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    if (e.name.startsWith("_") || e.name.startsWith(".")) continue;
    if (e.isDirectory) {
      out.push(...programs(new URL(`${e.name}/`, dir), `${prefix}${e.name}/`));
    } else if (e.isFile && e.name.endsWith(".ts")) out.push(prefix + e.name);
  }
  return out.sort();
}

async function run(file: string, args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(file, root).pathname, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).output();
  const td = new TextDecoder();
  return {
    code: out.code,
    stdout: td.decode(out.stdout),
    stderr: td.decode(out.stderr),
  };
}

/** A JavaScript stack frame line, as an uncaught error prints it. */
const STACK = /^\s+at .+:\d+:\d+\)?$/m;

const found = programs(root);

Deno.test("examples: the smoke test finds the example programs", () => {
  assert(found.length >= 9, `found ${found.join(", ")}`);
  for (
    const p of [
      "pirate/lazy_pirate_client.ts",
      "pirate/paranoid_pirate_queue.ts",
      "dynamic/server.ts",
      "freelance/client.ts",
      "freelance/server.ts",
      "freelance/shotgun_client.ts",
      "freelance/retry_client.ts",
      "freelance/rep_server.ts",
    ]
  ) assert(found.includes(p), p);
});

for (const file of found) {
  Deno.test(`examples/${file}: --help prints the usage and exits 0; an unknown flag exits 2 with the usage, no stack trace`, async () => {
    const help = await run(file, ["--help"]);
    assertEquals(help.code, 0, `--help: ${help.stderr}`);
    assert(
      /usage/i.test(help.stdout),
      `--help printed no usage:\n${help.stdout}`,
    );
    const bad = await run(file, ["--no-such-flag"]);
    assertEquals(bad.code, 2, `unknown flag: exit ${bad.code}\n${bad.stderr}`);
    assert(/usage/i.test(bad.stderr), `no usage on stderr:\n${bad.stderr}`);
    assert(!STACK.test(bad.stderr), `a stack trace:\n${bad.stderr}`);
  });
}
