/**
 * Finds and opens libzmq, and declares the C functions the transport calls.
 *
 * libzmq comes from the `npm:zeromq` package's own prebuilt addon, which
 * exports the whole libzmq C API (4.3.5 with CURVE). The package's build
 * manifest lists one binary per os/arch/libc/ABI; not every one loads on a
 * given host (newer glibc builds fail on older systems, some lack CURVE), so
 * every candidate for this host is tried in order and the first that opens and
 * reports CURVE is kept. A system libzmq can be chosen instead with the
 * `RELIABLE_ZMQ_LIBZMQ` environment variable (a path, or `system` for
 * `libzmq.so.5`) or {@linkcode configureLibzmq}.
 *
 * This file and its siblings are the only code that touches `npm:zeromq`.
 *
 * @module
 */
import { LibraryLoadError, type ZmqError } from "../errors.ts";
import { errnoName, mapZmqError } from "./errno.ts";
// A static import of the package's manifest makes Deno install npm:zeromq
// (with its prebuilt binaries) without running its JavaScript, which would
// load the Node-API addon through Deno's libuv shim.
import zeromqPackage from "zeromq/package.json" with { type: "json" };

const ZMQ_SYMBOLS = {
  zmq_ctx_new: { parameters: [], result: "pointer" },
  zmq_ctx_term: { parameters: ["pointer"], result: "i32", nonblocking: true },
  zmq_ctx_shutdown: { parameters: ["pointer"], result: "i32" },
  zmq_ctx_set: { parameters: ["pointer", "i32", "i32"], result: "i32" },
  zmq_socket: { parameters: ["pointer", "i32"], result: "pointer" },
  zmq_close: { parameters: ["pointer"], result: "i32" },
  zmq_bind: { parameters: ["pointer", "buffer"], result: "i32" },
  zmq_unbind: { parameters: ["pointer", "buffer"], result: "i32" },
  zmq_connect: { parameters: ["pointer", "buffer"], result: "i32" },
  zmq_disconnect: { parameters: ["pointer", "buffer"], result: "i32" },
  zmq_send: {
    parameters: ["pointer", "buffer", "usize", "i32"],
    result: "i32",
  },
  zmq_setsockopt: {
    parameters: ["pointer", "i32", "buffer", "usize"],
    result: "i32",
  },
  zmq_getsockopt: {
    parameters: ["pointer", "i32", "buffer", "buffer"],
    result: "i32",
  },
  zmq_errno: { parameters: [], result: "i32" },
  zmq_strerror: { parameters: ["i32"], result: "pointer" },
  zmq_msg_init: { parameters: ["pointer"], result: "i32" },
  zmq_msg_recv: { parameters: ["pointer", "pointer", "i32"], result: "i32" },
  zmq_msg_data: { parameters: ["pointer"], result: "pointer" },
  zmq_msg_more: { parameters: ["pointer"], result: "i32" },
  zmq_msg_close: { parameters: ["pointer"], result: "i32" },
  zmq_socket_monitor: {
    parameters: ["pointer", "buffer", "i32"],
    result: "i32",
  },
  zmq_has: { parameters: ["buffer"], result: "i32" },
  zmq_version: { parameters: ["buffer", "buffer", "buffer"], result: "void" },
  zmq_curve_keypair: { parameters: ["buffer", "buffer"], result: "i32" },
  zmq_curve_public: { parameters: ["buffer", "buffer"], result: "i32" },
} as const;

const LIBC_SYMBOLS = {
  epoll_create1: { parameters: ["i32"], result: "i32" },
  epoll_ctl: { parameters: ["i32", "i32", "i32", "buffer"], result: "i32" },
  epoll_wait: { parameters: ["i32", "buffer", "i32", "i32"], result: "i32" },
  epoll_wait_parked: {
    name: "epoll_wait",
    parameters: ["i32", "buffer", "i32", "i32"],
    result: "i32",
    nonblocking: true,
  },
  eventfd: { parameters: ["u32", "i32"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  close: { parameters: ["i32"], result: "i32" },
} as const;

/** The libzmq symbols the transport uses. */
export type ZmqSymbols = Deno.DynamicLibrary<typeof ZMQ_SYMBOLS>["symbols"];
/** The libc symbols the reactor uses. */
export type LibcSymbols = Deno.DynamicLibrary<typeof LIBC_SYMBOLS>["symbols"];

/** Where libzmq was loaded from and what it can do. */
export interface LibzmqInfo {
  /** The file that was opened. */
  readonly path: string;
  /** libzmq's version, e.g. `"4.3.5"`. */
  readonly version: string;
  /** Whether CURVE security is available. */
  readonly curve: boolean;
}

/** Options for {@linkcode configureLibzmq}. */
export interface LibzmqOptions {
  /**
   * A path to a libzmq shared object to use instead of the `npm:zeromq`
   * binary, or `"system"` for the system's `libzmq.so.5`.
   * @default the `RELIABLE_ZMQ_LIBZMQ` environment variable, else the package binary
   */
  path?: string;
}

let configured: LibzmqOptions = {};
let loaded:
  | { zmq: ZmqSymbols; libc: LibcSymbols; info: LibzmqInfo }
  | undefined;

/**
 * Choose which libzmq to load. Must be called before the first socket is
 * created; later calls throw.
 *
 * @param options Where to load libzmq from.
 * @throws {Error} When libzmq is already loaded.
 * @example Use the system libzmq
 * ```ts ignore
 * import { configureLibzmq } from "@reliable/zmq";
 * configureLibzmq({ path: "system" });
 * ```
 */
export function configureLibzmq(options: LibzmqOptions): void {
  if (options === null || typeof options !== "object") {
    throw new TypeError("configureLibzmq() needs an options object");
  }
  if (options.path !== undefined && typeof options.path !== "string") {
    throw new TypeError("configureLibzmq(): path must be a string");
  }
  if (loaded) {
    throw new Error(
      `configureLibzmq() called after libzmq was loaded from ${loaded.info.path}`,
    );
  }
  configured = { ...options };
}

function packageDir(): string {
  // Resolving the package's own package.json makes Deno install the package
  // without running its JavaScript (which would load the Node-API addon).
  if (zeromqPackage.version !== "6.8.0") {
    throw new Error(
      `expected npm:zeromq 6.8.0, found ${zeromqPackage.version}`,
    );
  }
  const url = import.meta.resolve("zeromq/package.json");
  if (!url.startsWith("file:")) {
    throw new Error(`npm:zeromq resolved to ${url}, not a local file`);
  }
  const path = decodeURIComponent(new URL(url).pathname);
  return path.slice(0, path.lastIndexOf("/"));
}

function hostLibc(): string {
  if (Deno.build.os !== "linux") {
    return Deno.build.os === "windows" ? "msvc" : "libc";
  }
  try {
    // musl systems ship /lib/ld-musl-*.so.1; glibc ones do not.
    for (const entry of Deno.readDirSync("/lib")) {
      if (entry.name.startsWith("ld-musl")) return "musl";
    }
  } catch {
    // Unreadable /lib: assume glibc, the common case.
  }
  return "glibc";
}

/** Lists the binaries of the npm:zeromq package worth trying on this host. */
function packageCandidates(): { paths: string[]; notes: string[] } {
  const notes: string[] = [];
  let dir: string;
  try {
    dir = packageDir();
  } catch (e) {
    notes.push(`npm:zeromq package: ${(e as Error).message}`);
    return { paths: [], notes };
  }
  const os = Deno.build.os === "windows" ? "win32" : Deno.build.os;
  const arch = Deno.build.arch === "x86_64" ? "x64" : "arm64";
  const libc = hostLibc();
  const sep = os === "win32" ? "\\" : "/";
  const fromManifest: { abi: number; path: string }[] = [];
  try {
    const manifest = JSON.parse(
      Deno.readTextFileSync(`${dir}/build/manifest.json`),
    ) as Record<string, string>;
    for (const [key, rel] of Object.entries(manifest)) {
      const cfg = JSON.parse(key) as {
        os: string;
        arch: string;
        libc: string;
        abi: number;
      };
      if (cfg.os === os && cfg.arch === arch && cfg.libc === libc) {
        fromManifest.push({
          abi: cfg.abi,
          path: `${dir}/build/${rel.split(sep).join("/")}`,
        });
      }
    }
  } catch (e) {
    notes.push(`${dir}/build/manifest.json: ${(e as Error).message}`);
  }
  // Newest ABI first: newer builds are the most likely to carry CURVE.
  fromManifest.sort((a, b) => b.abi - a.abi);
  const paths = fromManifest.map((c) => c.path);
  // Then the bare ABI folders, which some releases ship beside the manifest.
  try {
    const base = `${dir}/build/${os}/${arch}/node`;
    const extra: string[] = [];
    for (const entry of Deno.readDirSync(base)) {
      const p = `${base}/${entry.name}/addon.node`;
      if (entry.isDirectory && !paths.includes(p)) extra.push(p);
    }
    extra.sort().reverse();
    paths.push(...extra);
  } catch {
    // No such folder for this host: the manifest entries are all there is.
  }
  if (paths.length === 0) {
    notes.push(`npm:zeromq ships no binary for ${os}/${arch}/${libc}`);
  }
  return { paths, notes };
}

function envPath(): string | undefined {
  try {
    return Deno.env.get("RELIABLE_ZMQ_LIBZMQ") || undefined;
  } catch {
    return undefined; // no --allow-env: the variable cannot be consulted
  }
}

function libcPath(): string {
  return Deno.build.os === "darwin" ? "libSystem.dylib" : "libc.so.6";
}

/**
 * Loads libzmq and libc once per process and returns their symbols.
 * @internal
 */
export function lib(): {
  zmq: ZmqSymbols;
  libc: LibcSymbols;
  info: LibzmqInfo;
} {
  if (loaded) return loaded;
  const attempts: string[] = [];
  const explicit = configured.path ?? envPath();
  let candidates: string[];
  if (explicit) {
    candidates = [explicit === "system" ? "libzmq.so.5" : explicit];
  } else {
    const found = packageCandidates();
    attempts.push(...found.notes);
    candidates = found.paths;
  }
  for (const path of candidates) {
    let dl: Deno.DynamicLibrary<typeof ZMQ_SYMBOLS> | undefined;
    try {
      dl = Deno.dlopen(path, ZMQ_SYMBOLS);
    } catch (e) {
      attempts.push(`${path}: ${firstLine((e as Error).message)}`);
      continue;
    }
    const curve = dl.symbols.zmq_has(cstr("curve")) === 1;
    if (!curve && !explicit) {
      attempts.push(`${path}: opens but has no CURVE support`);
      dl.close();
      continue;
    }
    const v = new Int32Array(3);
    dl.symbols.zmq_version(v.subarray(0, 1), v.subarray(1, 2), v.subarray(2));
    const libc = Deno.dlopen(libcPath(), LIBC_SYMBOLS);
    loaded = {
      zmq: dl.symbols,
      libc: libc.symbols,
      info: { path, version: `${v[0]}.${v[1]}.${v[2]}`, curve },
    };
    return loaded;
  }
  throw new LibraryLoadError(
    attempts.length ? attempts : ["no candidate found"],
  );
}

function firstLine(s: string): string {
  const i = s.indexOf("\n");
  return i < 0 ? s : s.slice(0, i);
}

const encoder = new TextEncoder();

/**
 * A size for a `usize` FFI parameter. Deno accepts a plain number at run time
 * (no BigInt allocation); its type declarations only admit bigint.
 * @internal
 */
export function usize(n: number): bigint {
  return n as unknown as bigint;
}

/** A NUL-terminated C string. @internal */
export function cstr(s: string): Uint8Array {
  return encoder.encode(s + "\0");
}

/**
 * Describes the loaded libzmq: path, version and CURVE support. Loads it if
 * it is not loaded yet.
 *
 * @returns Where libzmq came from and what it supports.
 * @throws {LibraryLoadError} When no candidate could be loaded.
 * @example
 * ```ts
 * import { libzmqInfo } from "@reliable/zmq";
 * const info = libzmqInfo();
 * console.log(info.version, info.curve); // "4.3.5" true
 * ```
 */
export function libzmqInfo(): LibzmqInfo {
  return lib().info;
}

/** Builds the typed error for the current `zmq_errno()`. @internal */
export function lastError(operation: string, context?: string): ZmqError {
  const { zmq } = lib();
  const errno = zmq.zmq_errno();
  const ptr = zmq.zmq_strerror(errno);
  const text = ptr
    ? new Deno.UnsafePointerView(ptr).getCString()
    : errnoName(errno);
  return mapZmqError(operation, errno, context ? `${text}: ${context}` : text);
}
