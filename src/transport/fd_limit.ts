/**
 * The process's file-descriptor budget (`RLIMIT_NOFILE`).
 *
 * Every socket takes one descriptor for its mailbox plus one per TCP or IPC
 * connection, so a process with 10,000 connected DEALERs needs about 20,000,
 * and a broker with 10,000 clients about 10,000. When a process runs out, the
 * damage is not limited to libzmq: Deno itself panics on its next need for a
 * descriptor (a signal handler, a file, a child process). So the transport:
 *
 * - refuses to create a socket while fewer than `FD_RESERVE` (128)
 *   descriptors would be left, with a `FileDescriptorLimitError`
 *   that says what is in use and exactly what to raise;
 * - first raises the soft limit to the hard limit when that makes room (a
 *   process may do so without privileges). Deno already does this at
 *   start-up, as Go's runtime does, so in practice the hard limit is the
 *   limit; this covers a soft limit lowered later.
 *
 * A bound socket's accepted connections take descriptors without any call
 * that could refuse them (libzmq then retries `accept` in a busy loop), so a
 * server must be started with a hard limit above its peak connection count.
 *
 * How many are in use is measured as the lowest free descriptor (one
 * `eventfd` and `close`; the kernel hands descriptors out lowest-first, so
 * every one below it is in use), or, when larger, as the descriptors the
 * process had before its first socket plus one per socket and one per TCP or
 * IPC connect: libzmq opens a connection's descriptor later, on its I/O
 * thread, so a burst of connects would otherwise overrun the reserve.
 *
 * @module
 */
import { FileDescriptorLimitError } from "../errors.ts";

/** Descriptors the transport leaves free for Deno itself. @internal */
export const FD_RESERVE = 128;

const RLIMIT_NOFILE = Deno.build.os === "darwin" ? 8 : 7;
const EFD_CLOEXEC = 0o2000000;

const SYMBOLS = {
  getrlimit: { parameters: ["i32", "buffer"], result: "i32" },
  setrlimit: { parameters: ["i32", "buffer"], result: "i32" },
  eventfd: { parameters: ["u32", "i32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
} as const;

let libc: Deno.DynamicLibrary<typeof SYMBOLS>["symbols"] | null | undefined;

function sys(): Deno.DynamicLibrary<typeof SYMBOLS>["symbols"] | null {
  if (libc === undefined) {
    try {
      libc = Deno.build.os === "linux"
        ? Deno.dlopen("libc.so.6", SYMBOLS).symbols
        : null;
    } catch {
      libc = null;
    }
  }
  return libc;
}

/** The process's limit on open file descriptors. */
export interface FileDescriptorLimit {
  /** The soft limit: what the process may open now. */
  soft: number;
  /** The hard limit: how far the process may raise `soft` by itself. */
  hard: number;
}

const rl = new BigUint64Array(2);
const rlBytes = new Uint8Array(rl.buffer);
const CAP = Number.MAX_SAFE_INTEGER;

function toNumber(v: bigint): number {
  return v > BigInt(CAP) ? Infinity : Number(v);
}

/**
 * Reads the process's file-descriptor limit (`getrlimit(RLIMIT_NOFILE)`).
 *
 * @returns The soft and hard limits; `Infinity` for "unlimited", both
 *   `Infinity` where the limit cannot be read (not Linux).
 * @example
 * ```ts
 * import { fileDescriptorLimit } from "@reliable/zmq";
 * const { soft, hard } = fileDescriptorLimit();
 * console.log(soft <= hard); // true
 * ```
 */
export function fileDescriptorLimit(): FileDescriptorLimit {
  const c = sys();
  if (c === null || c.getrlimit(RLIMIT_NOFILE, rlBytes) !== 0) {
    return { soft: Infinity, hard: Infinity };
  }
  return { soft: toNumber(rl[0]), hard: toNumber(rl[1]) };
}

/**
 * Raises the soft file-descriptor limit towards the hard limit, which any
 * process may do without privileges. Never lowers it.
 *
 * @param wanted The soft limit wanted; at most the hard limit is set.
 * @returns The limits now in force.
 * @throws {RangeError} When `wanted` is not a positive integer.
 * @example
 * ```ts
 * import { raiseFileDescriptorLimit } from "@reliable/zmq";
 * const { soft, hard } = raiseFileDescriptorLimit();
 * console.log(soft <= hard); // true
 * ```
 */
export function raiseFileDescriptorLimit(
  wanted?: number,
): FileDescriptorLimit {
  if (
    wanted !== undefined && (!Number.isInteger(wanted) || wanted < 1)
  ) {
    throw new RangeError(
      `raiseFileDescriptorLimit(): wanted must be a positive integer, got ${wanted}`,
    );
  }
  const now = fileDescriptorLimit();
  const target = Math.min(wanted ?? now.hard, now.hard);
  const c = sys();
  if (c === null || !(target > now.soft)) return now;
  rl[0] = target === Infinity ? 0xffffffffffffffffn : BigInt(target);
  rl[1] = now.hard === Infinity ? 0xffffffffffffffffn : BigInt(now.hard);
  c.setrlimit(RLIMIT_NOFILE, rlBytes);
  return fileDescriptorLimit();
}

/**
 * Counts the descriptors this process has open (`/proc/self/fd`); for
 * diagnostics, as it reads a directory of one entry per descriptor.
 *
 * @returns The count, or -1 where it cannot be read.
 * @example
 * ```ts
 * import { openFileDescriptors } from "@reliable/zmq";
 * console.log(openFileDescriptors() > 2); // true (stdio at least)
 * ```
 */
export function openFileDescriptors(): number {
  try {
    let n = 0;
    for (const _ of Deno.readDirSync("/proc/self/fd")) n++;
    return n - 1; // the directory's own descriptor
  } catch {
    return -1;
  }
}

/** The lowest free descriptor: every one below it is in use. */
function lowestFree(): number {
  const c = sys();
  if (c === null) return -1;
  const fd = c.eventfd(0, EFD_CLOEXEC);
  if (fd >= 0) c.close(fd);
  return fd;
}

let claimed = 0;
let baseline = 0;

/**
 * Counts descriptors the transport's sockets hold or are about to hold: 1
 * per socket, 1 per TCP/IPC connect (opened later by libzmq's I/O thread, so
 * not yet visible to the lowest-free probe). Negative to release.
 * @internal
 */
export function claimDescriptors(n: number): void {
  claimed += n;
}

/**
 * Throws unless a new socket leaves `FD_RESERVE` descriptors free;
 * raises the soft limit to the hard limit first when that makes room.
 * In use = the larger of the lowest free descriptor and the descriptors the
 * process had before its first socket plus those claimed since.
 * @internal
 */
export function checkFileDescriptors(what: string): void {
  const low = lowestFree();
  if (low < 0) {
    // eventfd itself failed: the table is full.
    throw limitError(what, fileDescriptorLimit(), Infinity);
  }
  if (claimed <= 0) baseline = low;
  const inUse = Math.max(low, baseline + claimed);
  let lim = fileDescriptorLimit();
  if (inUse + FD_RESERVE < lim.soft) return;
  if (lim.hard > lim.soft) lim = raiseFileDescriptorLimit();
  if (inUse + FD_RESERVE < lim.soft) return;
  throw limitError(what, lim, inUse);
}

/**
 * The error for running out of descriptors, whatever noticed it.
 * @internal
 */
export function limitError(
  what: string,
  lim: FileDescriptorLimit = fileDescriptorLimit(),
  inUse = openFileDescriptors(),
): FileDescriptorLimitError {
  const used = inUse === Infinity || inUse < 0 ? lim.soft : inUse;
  const want = Math.max(2 * lim.soft, used + 1024);
  const fmt = (n: number) =>
    n === Infinity ? "unlimited" : n.toLocaleString("en-US");
  const hardNote = lim.hard >= want
    ? `it may go up to the hard limit of ${fmt(lim.hard)}`
    : `the hard limit is ${
      fmt(lim.hard)
    }: raise it as root (LimitNOFILE= in a systemd unit, "nofile" in /etc/security/limits.conf, or \`ulimit -Hn\` in a root shell)`;
  return new FileDescriptorLimitError(
    `Cannot ${what}: ${fmt(used)} of this process's ${
      fmt(lim.soft)
    } file descriptors are in use and ${FD_RESERVE} are kept free for Deno itself. Each socket takes 1 descriptor plus 1 per connection. Raise the limit before the process starts, e.g. \`ulimit -n ${want}\` (${hardNote}), or spread the sockets over more processes.`,
    lim.soft,
    lim.hard,
    used,
  );
}
