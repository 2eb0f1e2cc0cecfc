// trimMemory() (issue 15): after 2,000 peers connected and left, glibc keeps
// the freed connection memory in its arenas; one trim returns most of it.
//
//   2,000 DEALERs ──tcp──► ROUTER (same child process): one round trip each;
//   the DEALERs close, and the ROUTER (which stays, as a server would)
//   counts 2,000 disconnect notifications before the trim.
//
// The scenario runs in a child process of its own (fixtures/trim_rss.ts):
// RSS is a process-wide figure, and in the test runner's process the other
// modules' freed heaps and arenas made the growth anywhere from -37 MiB to
// +20 MiB.
import { assert, assertEquals } from "../helpers/assert.ts";

Deno.test("trimMemory() returns the memory of 2,000 closed connections to the system", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("./fixtures/trim_rss.ts", import.meta.url).pathname,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
  const { start, closed, trimmed, released } = JSON.parse(
    new TextDecoder().decode(out.stdout).trim(),
  );
  const grew = closed - start;
  // About 10 KiB per connection when measured alone (about 20 MiB).
  assert(grew > 8 * 2 ** 20, `only ${grew} bytes for 2,000 connections`);
  assert(released, "malloc_trim returned nothing");
  assert(
    closed - trimmed > grew / 4,
    `trim gave back ${closed - trimmed} of ${grew} bytes`,
  );
});
