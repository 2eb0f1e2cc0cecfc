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
 * The package is named by its full specifier (`npm:zeromq@6.8.0/...`), so a
 * project imports this library by path or URL with nothing in its own import
 * map, with or without `"nodeModulesDir"` (without it, Deno keeps the package
 * in its global cache under `DENO_DIR`). Loading needs `--allow-ffi` only
 * (`--allow-ffi=<the package's folder>` is enough): the manifest is a JSON
 * import, libc's symbols are found through libzmq's own handle, and the
 * environment variable and `/lib` are consulted only where Deno has already
 * granted `--allow-env`/`--allow-read`, so nothing ever prompts.
 *
 * This file and its siblings are the only code that touches `npm:zeromq`.
 *
 * @module
 */
import { LibraryLoadError, type ZmqError } from "../errors.ts";
import { errnoName, mapZmqError } from "./errno.ts";
import { envIfGranted, ffiGranted, granted } from "./permissions.ts";
// A static import of the package's build manifest makes Deno install
// npm:zeromq (with its prebuilt binaries) without running its JavaScript,
// which would load the Node-API addon through Deno's libuv shim. A JSON
// import needs no read permission, and the full specifier needs no entry in
// the importing project's import map.
import manifest from "npm:zeromq@6.8.0/build/manifest.json" with {
  type: "json",
};

import {
  LIBC_SYMBOLS,
  type LibcSymbols,
  ZMQ_SYMBOLS,
  type ZmqSymbols,
} from "./symbols.ts";

export type { LibcSymbols, ZmqSymbols };

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
   * @default the `RELIABLE_ZMQ_LIBZMQ` environment variable where `--allow-env` grants it, else the package binary
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

/** The npm:zeromq package's `build` folder, wherever Deno installed it. */
function buildDir(): string {
  // Inside ./node_modules with "nodeModulesDir", else in the global npm
  // cache under DENO_DIR (e.g. ~/.cache/deno/npm/registry.npmjs.org/...).
  const url = import.meta.resolve("npm:zeromq@6.8.0/build/manifest.json");
  if (!url.startsWith("file:")) {
    throw new Error(`npm:zeromq resolved to ${url}, not a local file`);
  }
  const path = decodeURIComponent(new URL(url).pathname);
  const dir = path.slice(0, path.lastIndexOf("/"));
  // file:///C:/x on Windows has the pathname /C:/x.
  return /^\/[A-Za-z]:/.test(dir) ? dir.slice(1) : dir;
}

/** The host's C library, when it can be told without asking for anything. */
function hostLibc(): string | undefined {
  if (Deno.build.os !== "linux") {
    return Deno.build.os === "windows" ? "msvc" : "libc";
  }
  if (!granted({ name: "read", path: "/lib" })) return undefined;
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

/**
 * Lists the binaries of the npm:zeromq package worth trying on this host:
 * those of its os and arch, the host's libc first (glibc first when the libc
 * cannot be told: a binary for the other libc fails to open and the next is
 * tried), newest Node ABI first (the most likely to carry CURVE).
 */
function packageCandidates(): { paths: string[]; notes: string[] } {
  const notes: string[] = [];
  let dir: string;
  try {
    dir = buildDir();
  } catch (e) {
    notes.push(`npm:zeromq package: ${(e as Error).message}`);
    return { paths: [], notes };
  }
  const os = Deno.build.os === "windows" ? "win32" : Deno.build.os;
  const arch = Deno.build.arch === "x86_64" ? "x64" : "arm64";
  const libc = hostLibc();
  const libcRank = (l: string) => l === libc ? 0 : l === "glibc" ? 1 : 2;
  const found: { abi: number; libc: string; path: string }[] = [];
  for (const [key, rel] of Object.entries(manifest as Record<string, string>)) {
    const cfg = JSON.parse(key) as {
      os: string;
      arch: string;
      libc: string;
      abi: number;
    };
    if (cfg.os === os && cfg.arch === arch) {
      found.push({
        abi: cfg.abi,
        libc: cfg.libc,
        path: `${dir}/${rel.split(/[\\/]/).join("/")}`,
      });
    }
  }
  found.sort((a, b) => libcRank(a.libc) - libcRank(b.libc) || b.abi - a.abi);
  if (found.length === 0) {
    notes.push(`npm:zeromq@6.8.0 ships no binary for ${os}/${arch}`);
  }
  return { paths: found.map((c) => c.path), notes };
}

function libcPath(): string {
  return Deno.build.os === "darwin" ? "libSystem.dylib" : "libc.so.6";
}

/** The npm:zeromq folder holding `path`, or the file's own folder. */
function packageDirFor(path: string): string {
  const i = path.lastIndexOf("/build/");
  if (i > 0) return path.slice(0, i);
  const j = path.lastIndexOf("/");
  return j > 0 ? path.slice(0, j) : path;
}

/**
 * libc's symbols (epoll, eventfd, read, write, close) for the reactor. They
 * are looked up through libzmq's own handle first: `dlsym` searches a
 * library's dependencies, libc among them, so no FFI permission beyond
 * libzmq's file is needed (`--allow-ffi=<npm:zeromq's folder>` is enough).
 * Only if that fails is libc opened by name, which needs unscoped
 * `--allow-ffi`.
 */
function openLibc(zmqPath: string): LibcSymbols {
  let cause: unknown;
  try {
    return Deno.dlopen(zmqPath, LIBC_SYMBOLS).symbols;
  } catch (e) {
    cause = e;
  }
  const path = libcPath();
  if (!ffiGranted(path)) {
    throw new LibraryLoadError([
      `${zmqPath}: loaded, but libc's epoll and eventfd could not be found through it`,
      `${path}: no FFI permission`,
    ], {
      advice: `The reactor needs ${path} through FFI: run with --allow-ffi ` +
        `(unscoped: a library the system finds by name cannot be listed in --allow-ffi=...).`,
      cause,
    });
  }
  try {
    return Deno.dlopen(path, LIBC_SYMBOLS).symbols;
  } catch (e) {
    throw new LibraryLoadError(
      [`${path}: ${firstLine((e as Error).message)}`],
      {
        cause: e,
      },
    );
  }
}

/**
 * Loads libzmq and libc once per process and returns their symbols. Never
 * prompts: a library is opened, and `RELIABLE_ZMQ_LIBZMQ` read, only where
 * Deno has already granted the permission.
 * @throws {LibraryLoadError} When no candidate loads; the message names the
 *   missing permission and the flag that grants it, or what else to do.
 * @internal
 */
export function lib(): {
  zmq: ZmqSymbols;
  libc: LibcSymbols;
  info: LibzmqInfo;
} {
  if (loaded) return loaded;
  const attempts: string[] = [];
  const envPath = envIfGranted("RELIABLE_ZMQ_LIBZMQ");
  const explicit = configured.path ?? envPath;
  let candidates: string[];
  if (explicit) {
    candidates = [explicit === "system" ? "libzmq.so.5" : explicit];
  } else {
    const found = packageCandidates();
    attempts.push(...found.notes);
    candidates = found.paths;
  }
  const refused: string[] = [];
  for (const path of candidates) {
    if (!ffiGranted(path)) {
      refused.push(path);
      attempts.push(`${path}: no FFI permission`);
      continue;
    }
    let dl: Deno.DynamicLibrary<typeof ZMQ_SYMBOLS> | undefined;
    try {
      dl = Deno.dlopen(path, ZMQ_SYMBOLS);
    } catch (e) {
      if ((e as Error).name === "NotCapable") refused.push(path);
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
    const libc = openLibc(path);
    loaded = {
      zmq: dl.symbols,
      libc: libc,
      info: { path, version: `${v[0]}.${v[1]}.${v[2]}`, curve },
    };
    return loaded;
  }
  throw new LibraryLoadError(attempts.length ? attempts : ["no candidate"], {
    advice: loadAdvice(explicit, envPath !== undefined, refused),
  });
}

/** What to do about a failed load, in one or two sentences. */
function loadAdvice(
  explicit: string | undefined,
  fromEnv: boolean,
  refused: readonly string[],
): string {
  const source = fromEnv ? "RELIABLE_ZMQ_LIBZMQ" : "configureLibzmq({ path })";
  if (refused.length > 0) {
    const bare = !refused[0].includes("/");
    return `Deno's FFI permission is missing: run with --allow-ffi${
      bare
        ? " (unscoped: a library the system finds by name cannot be listed in --allow-ffi=...)"
        : ` (or, narrowest, --allow-ffi=${packageDirFor(refused[0])})`
    }.`;
  }
  if (explicit) {
    return `The library chosen by ${source} (${explicit}) could not be used: ` +
      `give the path of a libzmq.so.5, or "system".`;
  }
  return "npm:zeromq@6.8.0's prebuilt libzmq cannot be used on this host: " +
    "install libzmq 4.3 (e.g. apt-get install libzmq5) and set " +
    "RELIABLE_ZMQ_LIBZMQ=system (with --allow-env=RELIABLE_ZMQ_LIBZMQ), or " +
    'call configureLibzmq({ path: "system" }).';
}

function firstLine(s: string): string {
  const i = s.indexOf("\n");
  return i < 0 ? s : s.slice(0, i);
}

const encoder = new TextEncoder();

/**
 * A size for a `usize` FFI parameter, off the hot path. Deno accepts a plain
 * number at run time (its type declarations only admit bigint), but a number
 * for a 64-bit parameter takes its slow FFI path (a `zmq_send` 700 ns against
 * 170 ns with a BigInt): per-frame calls use BigInts (`sizeArg` in socket.ts).
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
  const { zmq, libc } = lib();
  const errno = zmq.zmq_errno();
  const ptr = zmq.zmq_strerror(errno);
  let text = errnoName(errno);
  if (ptr !== null) {
    const n = Number(libc.strnlen(ptr, usize(255)));
    const bytes = new Uint8Array(n);
    if (n > 0) libc.memcpy(bytes, ptr, usize(n));
    text = new TextDecoder().decode(bytes);
  }
  return mapZmqError(operation, errno, context ? `${text}: ${context}` : text);
}
