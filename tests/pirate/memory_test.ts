/**
 * A Paranoid Pirate queue frees the memory of large messages as soon as it
 * has passed them on, instead of holding it until the garbage collector
 * runs (before: four 100 MB requests left about 350 MB behind; see
 * bench/pirate_memory.ts for the full measurement). The queue runs as a
 * child process and its resident set is read from /proc. Linux only.
 *
 * The child runs with glibc's mmap threshold fixed at 128 KiB: by default
 * glibc raises it as large blocks are freed (up to 32 MiB), so blocks of
 * 24 MB freed by the queue go back to the allocator for reuse rather than
 * to the OS, and RSS would show the allocator's policy, not the queue's.
 *
 *   client (DEALER) ── 3 × 24 MB ──► queue (child) ──► echo worker (here)
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import {
  DealerSocket,
  ParanoidPirateWorker,
  shutdown,
  silentLogger,
} from "../../mod.ts";
import { spawnChild } from "../helpers/spawn.ts";

const MB = 1024 * 1024;

function rssMb(pid: number): number {
  const s = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+)/.exec(s)![1]) / 1024;
}

Deno.test({
  name:
    "ParanoidPirateQueue releases the memory of large requests and replies once passed on",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const CAP = String(32 * MB);
    await using queue = await spawnChild(
      new URL(
        "../../examples/pirate/paranoid_pirate_queue.ts",
        import.meta.url,
      ),
      {
        args: [
          "--frontend",
          "tcp://127.0.0.1:*",
          "--backend",
          "tcp://127.0.0.1:*",
          "--max-frame-bytes",
          CAP,
          "--max-message-bytes",
          CAP,
          "--log-level",
          "error",
        ],
        env: { GLIBC_TUNABLES: "glibc.malloc.mmap_threshold=131072" },
        readyTimeoutMs: 60_000,
      },
    );
    const pid = queue.ready.pid as number;
    const worker = await ParanoidPirateWorker.connect(
      queue.ready.backend as string,
      (r) => r,
      {
        logger: silentLogger,
        maxFrameBytes: 32 * MB,
        liveness: 60, // a large request may take seconds to arrive here
      },
    );
    const client = new DealerSocket({ lingerMs: 0 });
    try {
      await worker.ready;
      client.connect(queue.ready.frontend as string);
      // Warm up (JIT, buffers of the first small messages).
      await client.send(["", "warm"]);
      await client.receive({ timeoutMs: 60_000 });
      const before = rssMb(pid);
      const body = new Uint8Array(24 * MB).fill(1);
      for (let i = 0; i < 3; i++) await client.send(["", body]);
      for (let i = 0; i < 3; i++) {
        const r = await client.receive({ timeoutMs: 120_000 });
        assertEquals(r[1].byteLength, 24 * MB);
      }
      const grown = rssMb(pid) - before;
      // Held until GC, the request and reply buffers would be 144 MB.
      assert(grown < 40, `queue RSS grew by ${grown.toFixed(1)} MB`);
    } finally {
      client.close();
      await worker.close();
    }
  },
});

Deno.test("teardown", async () => {
  await shutdown();
});
