// Permissions: libzmq loads with --allow-ffi alone (no --allow-read, no
// --allow-env), with a scoped --allow-ffi=./node_modules too; environment
// variables are read only where granted; a load failure names the missing
// permission and the flag that grants it; and nothing ever prompts at a
// terminal. Each case is a real child process with exactly those flags.
import {
  assert,
  assertEquals,
  match as assertMatch,
} from "../helpers/assert.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const FIXTURE = new URL("./fixtures/load.ts", import.meta.url).pathname;

interface LoadResult {
  ok: boolean;
  path?: string;
  name?: string;
  message?: string;
}

async function load(
  flags: string[],
  env: Record<string, string> = {},
): Promise<LoadResult> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...flags, FIXTURE],
    cwd: ROOT,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  const stderr = new TextDecoder().decode(out.stderr);
  assertEquals(out.code, 0, `child exited ${out.code}: ${stderr}`);
  return JSON.parse(text.split("\n").at(-1)!);
}

Deno.test("--allow-ffi alone is enough: no --allow-read, no --allow-env", async () => {
  const r = await load(["--allow-ffi"]);
  assert(r.ok, JSON.stringify(r));
  assertMatch(r.path!, /zeromq.*addon\.node$/);
});

Deno.test("a scoped --allow-ffi=./node_modules is enough (libc is found through libzmq)", async () => {
  const r = await load(["--allow-ffi=./node_modules"]);
  assert(r.ok, JSON.stringify(r));
  assert(r.path!.startsWith(`${ROOT}node_modules/`), r.path);
});

Deno.test("without --allow-ffi the error names the permission and the flag", async () => {
  const r = await load([]);
  assertEquals(r.name, "LibraryLoadError");
  assertMatch(
    r.message!,
    /^Could not load libzmq\. Deno's FFI permission is missing: run with --allow-ffi /,
  );
  // ... and the narrowest flag that would do: npm:zeromq's own folder.
  assertMatch(r.message!, /--allow-ffi=\/\S+\/zeromq\)/);
});

Deno.test("an --allow-ffi scoped elsewhere gets the same advice", async () => {
  const r = await load(["--allow-ffi=/nonexistent"]);
  assertEquals(r.name, "LibraryLoadError");
  assertMatch(r.message!, /FFI permission is missing: run with --allow-ffi/);
});

Deno.test("RELIABLE_ZMQ_LIBZMQ is read only where --allow-env grants it", async () => {
  const env = { RELIABLE_ZMQ_LIBZMQ: "/nonexistent/libzmq.so.5" };
  // Not granted: the variable is not consulted, the package binary loads.
  const r1 = await load(["--allow-ffi"], env);
  assert(r1.ok, JSON.stringify(r1));
  // Granted: it is used, and the error says where the path came from.
  const r2 = await load(
    ["--allow-ffi", "--allow-env=RELIABLE_ZMQ_LIBZMQ"],
    env,
  );
  assertEquals(r2.name, "LibraryLoadError");
  assertMatch(
    r2.message!,
    /chosen by RELIABLE_ZMQ_LIBZMQ \(\/nonexistent\/libzmq\.so\.5\)/,
  );
});

/**
 * Runs the fixture in a pseudo-terminal (util-linux `script`), where Deno
 * prompts for a permission that is not granted, and returns what it printed
 * once it printed its result or a prompt.
 */
async function underTerminal(flags: string[], args: string[] = []) {
  const cmd = [Deno.execPath(), "run", ...flags, FIXTURE, ...args]
    .map((a) => `'${a}'`).join(" ");
  const child = new Deno.Command("script", {
    args: ["-qec", cmd, "/dev/null"],
    cwd: ROOT,
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  let text = "";
  const decoder = new TextDecoder();
  // On the deadline, end the child (script passes SIGTERM on to Deno),
  // which ends the read below: a hang becomes a failed assertion.
  const timer = setTimeout(() => {
    try {
      child.kill("SIGTERM");
    } catch {
      // already gone
    }
  }, 60_000);
  const reader = child.stdout.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
      if (text.includes("requests") || text.includes('"ok"')) break;
    }
  } finally {
    clearTimeout(timer);
    reader.releaseLock();
    try {
      child.kill("SIGTERM");
    } catch {
      // already gone
    }
    await child.stdin.close().catch(() => {});
    await child.stdout.cancel().catch(() => {});
    await child.status;
  }
  return { prompted: text.includes("Deno requests"), text };
}

const hasScript = (() => {
  try {
    return new Deno.Command("script", { args: ["--version"] }).outputSync()
      .success;
  } catch {
    return false;
  }
})();

Deno.test({
  name:
    "at a terminal, loading with --allow-ffi never prompts (control: a fixture that reads HOME does)",
  ignore: !hasScript || Deno.build.os !== "linux",
  async fn() {
    const control = await underTerminal(["--allow-ffi"], ["--touch-env"]);
    assert(control.prompted, `the harness saw no prompt: ${control.text}`);
    const r = await underTerminal(["--allow-ffi"]);
    assert(!r.prompted, `prompted: ${r.text}`);
    assertMatch(r.text, /\{"ok":true,/);
  },
});
