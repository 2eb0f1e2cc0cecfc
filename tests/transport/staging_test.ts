// The receive path's two ways of reading frames (staging.ts): "layout" (the
// zmq_msg_t bytes read from our own slot memory, checked at first use) and
// "calls" (5 libzmq calls per frame), each with unscoped --allow-ffi
// (pointer slots) and a scoped --allow-ffi=./node_modules (buffer slots):
// every byte of 600 mixed messages, each way round. And EINTR: round trips
// under a storm of SIGPROF (V8's sampling profiler every 20 µs) lose and
// throw nothing.
import { assertEquals } from "../helpers/assert.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const fixture = (name: string) =>
  new URL(`./fixtures/${name}`, import.meta.url).pathname;

async function child(
  flags: string[],
  file: string,
  args: string[] = [],
): Promise<Record<string, unknown>> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...flags, fixture(file), ...args],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assertEquals(out.code, 0, `child exited ${out.code}: ${stderr}`);
  const text = new TextDecoder().decode(out.stdout).trim();
  return JSON.parse(text.split("\n").at(-1)!);
}

const PERMS: [string, string[]][] = [
  ["--allow-ffi", ["--allow-ffi"]],
  ["--allow-ffi=./node_modules", ["--allow-ffi=./node_modules"]],
];

for (const [name, flags] of PERMS) {
  Deno.test(`staging with ${name}: the layout self-check passes on the bundled libzmq`, async () => {
    const r = await child(flags, "staging_roundtrip.ts");
    assertEquals(r, { mode: "layout", checked: 600, wrong: 0 });
  });
  for (const mode of ["layout", "calls"]) {
    Deno.test(`staging with ${name}, ${mode} path: 600 mixed messages, every byte right`, async () => {
      const r = await child(flags, "staging_roundtrip.ts", ["--mode", mode]);
      assertEquals(r, { mode, checked: 600, wrong: 0 });
    });
  }
}

Deno.test("EINTR is retried, never surfaced: 3,000 round trips under SIGPROF every 20 µs", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = await child(
      [
        "--allow-ffi",
        "--cpu-prof",
        `--cpu-prof-dir=${dir}`,
        "--cpu-prof-interval=20",
      ],
      "signal_storm.ts",
      ["3000"],
    );
    assertEquals(r, { sent: 3000, received: 3000, wrong: 0 });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
