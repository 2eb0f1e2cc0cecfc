// The file-descriptor budget (issue 15): a process that runs out gets a
// typed FileDescriptorLimitError saying what to raise, keeps enough
// descriptors for Deno itself (which otherwise panics on its next need), and
// the transport raises the soft limit to the hard one where that helps.
//
//   test process (ROUTER echo)  ◄── DEALERs ──  child under `ulimit -n 400`
import {
  assert,
  assertEquals,
  assertThrows,
  match,
} from "../helpers/assert.ts";
import {
  fileDescriptorLimit,
  FileDescriptorLimitError,
  openFileDescriptors,
  raiseFileDescriptorLimit,
  RouterSocket,
  shutdown,
} from "../../mod.ts";

const FIXTURE = new URL("./fixtures/fd_budget.ts", import.meta.url).pathname;

/** Runs the fixture under `ulimit -Sn soft; ulimit -Hn hard` (lowered only). */
async function underLimit(
  soft: number,
  hard: number,
  args: string[],
): Promise<Record<string, unknown>> {
  const out = await new Deno.Command("sh", {
    args: [
      "-c",
      `ulimit -Sn ${soft} && ulimit -Hn ${hard} && exec "$0" run -A "$@"`,
      Deno.execPath(),
      FIXTURE,
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  const stderr = new TextDecoder().decode(out.stderr);
  assertEquals(out.code, 0, `fixture exited ${out.code}:\n${stderr}`);
  assert(!stderr.includes("panicked"), stderr);
  return JSON.parse(stdout.trim().split("\n").at(-1)!);
}

Deno.test("out of descriptors: FileDescriptorLimitError says what to raise, and Deno keeps working", async () => {
  const router = new RouterSocket();
  const endpoint = router.bind("tcp://127.0.0.1:*");
  const echo = (async () => {
    for await (const msg of router) await router.send(msg);
  })();
  try {
    const r = await underLimit(400, 400, ["exhaust", endpoint]);
    const err = r.error as Record<string, unknown>;
    assertEquals(err.name, "FileDescriptorLimitError");
    assertEquals(err.code, "EMFILE");
    assertEquals(err.softLimit, 400);
    assertEquals(err.hardLimit, 400);
    match(err.message as string, /ulimit -n \d+/);
    match(err.message as string, /hard limit is 400/);
    // Each DEALER holds 2 descriptors (mailbox, connection); 128 stay free.
    const opened = r.opened as number;
    assert(opened >= 100 && opened <= 136, `opened ${opened}`);
    assertEquals(r.file, true);
    assertEquals(r.spawn, 0);
    assertEquals(r.signal, true);
    assertEquals(r.echo, "ping");
  } finally {
    router.close();
    await echo;
    await shutdown();
  }
});

// The tests only lower the hard limit (raising it needs privileges).
const HARD = Math.min(1000, fileDescriptorLimit().hard);

Deno.test("Deno starts with the soft limit at the hard limit; the transport raises a lowered one when a socket needs room", async () => {
  const r = await underLimit(300, HARD, ["lowered", "600"]);
  assertEquals(r.before, { soft: HARD, hard: HARD });
  assertEquals(r.lowered, { soft: 300, hard: HARD });
  // 600 sockets need about 650 descriptors.
  assertEquals(r.opened, 600);
  assertEquals(r.after, { soft: HARD, hard: HARD });
});

Deno.test("raiseFileDescriptorLimit never lowers the limit and checks its argument", () => {
  const now = fileDescriptorLimit();
  assert(now.soft <= now.hard);
  assertEquals(raiseFileDescriptorLimit(1), fileDescriptorLimit());
  assertEquals(fileDescriptorLimit(), now);
  assertThrows(() => raiseFileDescriptorLimit(0), RangeError);
  assertThrows(() => raiseFileDescriptorLimit(1.5), RangeError);
  assert(openFileDescriptors() > 2);
  const e = new FileDescriptorLimitError("m", 1, 2, 3);
  assertEquals([e.code, e.errno, e.softLimit, e.hardLimit, e.inUse], [
    "EMFILE",
    24,
    1,
    2,
    3,
  ]);
});
