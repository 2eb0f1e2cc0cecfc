/**
 * Giving freed native memory back to the system.
 *
 * libzmq allocates per connection (pipes, encoder and decoder buffers: about
 * 28 KiB of resident memory per connected peer, measured with 10,000) with
 * glibc's `malloc`, from several arenas (one per thread that allocates).
 * When thousands of peers disconnect, that memory is freed but glibc keeps
 * most of it in its arenas, so the process's RSS stays near its peak: after
 * three waves of 3,000 clients connecting and leaving, a broker measured
 * 56 → 149 → 198 → 225 MiB, and 68 MiB after one `malloc_trim(0)`. The memory
 * is reused, not leaked, but a process that had a burst of connections looks
 * (and is accounted) as large as its peak until it trims.
 *
 * @module
 */

const SYMBOLS = {
  malloc_trim: { parameters: ["usize"], result: "i32" },
} as const;

let trim: ((pad: bigint) => number) | null | undefined;

/**
 * Returns freed native memory (libzmq's connections, buffers) from glibc's
 * arenas to the system with `malloc_trim(0)`. Worth calling after many peers
 * have disconnected (for instance from a server's periodic timer once a
 * thousand `RouterNotify.DISCONNECT` messages have been seen); it walks the
 * heap, so it costs about a millisecond per hundred MiB and should not run
 * per message. Does nothing where glibc is not the C library.
 *
 * @returns Whether memory was returned to the system.
 * @example After a burst of connections has gone
 * ```ts
 * import { trimMemory } from "@reliable/zmq";
 * console.log(typeof trimMemory()); // "boolean"
 * ```
 */
export function trimMemory(): boolean {
  if (trim === undefined) {
    try {
      trim = Deno.build.os === "linux"
        ? Deno.dlopen("libc.so.6", SYMBOLS).symbols.malloc_trim
        : null;
    } catch {
      trim = null; // musl and others have no malloc_trim
    }
  }
  return trim !== null && trim(0 as unknown as bigint) === 1;
}
