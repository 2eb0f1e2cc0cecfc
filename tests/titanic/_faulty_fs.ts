/**
 * A fault-injecting file layer for the Titanic log store, in memory (what
 * LazyFS does for Jepsen):
 * - every file has a durable content (as of its last `datasync`) and a
 *   current one; creations and deletions become durable at `syncDir`;
 * - `powerCut()` throws away everything not durable (optionally keeping a
 *   random prefix of the unsynced bytes: a torn write), and makes every
 *   handle of the "dead" process fail from then on;
 * - `crash()` is a process kill: the page cache survives;
 * - writes can fail with ENOSPC after a byte budget, syncs with EIO.
 */
import { setImmediate } from "node:timers";
import { StorageError } from "../../src/errors.ts";
import type {
  FileLayer,
  StoreFile,
} from "../../src/patterns/titanic/store/file_layer.ts";

interface MemFile {
  data: Uint8Array;
  /** Content as of the last completed sync. */
  durable: Uint8Array;
  /** Whether the directory entry is durable (after syncDir). */
  linked: boolean;
}

/** Thrown by a handle of a process that "lost power". */
export class DeadProcessError extends Error {
  constructor() {
    super("power cut: this process is gone");
    this.name = "DeadProcessError";
  }
}

function errno(code: string, message: string): Error {
  const e = new Error(`${code}: ${message}`);
  (e as Error & { code: string }).code = code;
  return e;
}

/** A random source that tests can seed. */
export function seeded(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

export class FaultyFs implements FileLayer {
  /**
   * The file layer as one process sees it: after a power cut or crash,
   * every operation of that process fails (it is gone).
   * @returns A layer bound to the current process.
   */
  process(): FileLayer {
    const epoch = this.#epoch;
    const alive = () => {
      if (epoch !== this.#epoch) throw new DeadProcessError();
    };
    return {
      mkdir: (d) => (alive(), this.mkdir(d)),
      list: (d) => (alive(), this.list(d)),
      open: (p, c) => (alive(), this.open(p, c)),
      readAll: (p) => (alive(), this.readAll(p)),
      remove: (p) => (alive(), this.remove(p)),
      syncDir: (d) => (alive(), this.syncDir(d)),
      lock: (d) => (alive(), this.lock(d)),
    };
  }

  readonly files = new Map<string, MemFile>();
  /** Durable directory entries that were removed but not yet synced. */
  readonly #removed = new Map<string, MemFile>();
  readonly #locks = new Set<string>();
  #epoch = 0;
  /** Bytes that may still be written before appends fail with ENOSPC. */
  spaceLeft = Infinity;
  /** Make the next n syncs fail with EIO. */
  failSyncs = 0;
  /** Make truncations fail with EIO. */
  failTruncate = false;
  /** Delay of each datasync, ms (0: next macrotask). */
  syncDelayMs = 0;
  /** A sync that reports success without making anything durable (a lying disk). */
  lyingSync = false;
  /**
   * A sync that reports success at once and makes the data durable only
   * later (what a store that acknowledges before its sync completes does).
   */
  earlyAck = false;
  /** Power cut after this many more appends/syncs (Infinity: never). */
  cutAfterOps = Infinity;
  /** Keep a random prefix of the unsynced bytes at a power cut. */
  tornWrites = false;
  random: () => number = Math.random;
  syncs = 0;
  cuts = 0;

  #pause(): Promise<void> {
    return new Promise((r) =>
      this.syncDelayMs > 0 ? setTimeout(r, this.syncDelayMs) : setImmediate(r)
    );
  }

  #tick(): void {
    if (this.cutAfterOps !== Infinity && --this.cutAfterOps <= 0) {
      this.cutAfterOps = Infinity;
      this.powerCut();
      throw new DeadProcessError();
    }
  }

  /** Total bytes held (current view). */
  get bytes(): number {
    let n = 0;
    for (const f of this.files.values()) n += f.data.length;
    return n;
  }

  powerCut(): void {
    this.cuts++;
    this.#epoch++;
    this.#locks.clear();
    for (const [p, f] of this.#removed) this.files.set(p, f);
    this.#removed.clear();
    for (const [p, f] of [...this.files]) {
      if (!f.linked) {
        this.files.delete(p);
        continue;
      }
      let data = f.durable;
      if (this.tornWrites && f.data.length > data.length) {
        const keep = Math.floor(
          this.random() * (f.data.length - data.length + 1),
        );
        data = f.data.slice(0, data.length + keep);
      }
      f.data = data.slice();
      f.durable = data.slice();
    }
  }

  crash(): void {
    this.cutAfterOps = Infinity;
    this.#epoch++;
    this.#locks.clear();
  }

  mkdir(_dir: string): void {}

  list(dir: string): string[] {
    const pre = dir.endsWith("/") ? dir : dir + "/";
    return [...this.files.keys()].filter((p) => p.startsWith(pre))
      .map((p) => p.slice(pre.length)).filter((n) => !n.includes("/"));
  }

  open(path: string, create: boolean): StoreFile {
    let f = this.files.get(path);
    if (create) {
      if (f) throw errno("EEXIST", path);
      f = {
        data: new Uint8Array(0),
        durable: new Uint8Array(0),
        linked: false,
      };
      this.files.set(path, f);
    } else if (!f) {
      throw errno("ENOENT", path);
    }
    return this.#handle(f);
  }

  #handle(f: MemFile): StoreFile {
    const epoch = this.#epoch;
    const alive = () => {
      if (epoch !== this.#epoch) throw new DeadProcessError();
    };
    return {
      append: (data) => {
        alive();
        this.#tick();
        if (data.length > this.spaceLeft) {
          const part = Math.max(0, Math.floor(this.spaceLeft));
          f.data = concat(f.data, data.subarray(0, part));
          this.spaceLeft = 0;
          throw errno("ENOSPC", "No space left on device");
        }
        this.spaceLeft -= data.length;
        f.data = concat(f.data, data);
      },
      datasync: async () => {
        alive();
        this.#tick();
        const snapshot = f.data.slice();
        if (this.earlyAck) {
          setTimeout(() => {
            if (epoch === this.#epoch) f.durable = snapshot;
          }, this.syncDelayMs);
          return;
        }
        await this.#pause();
        alive();
        if (this.failSyncs > 0) {
          this.failSyncs--;
          throw errno("EIO", "Input/output error");
        }
        this.syncs++;
        if (this.lyingSync) return;
        // Only what was there when the sync began is covered.
        f.durable = snapshot;
      },
      truncate: (size) => {
        alive();
        if (this.failTruncate) throw errno("EIO", "Input/output error");
        if (size < f.data.length) {
          this.spaceLeft += f.data.length - size;
          f.data = f.data.slice(0, size);
        }
      },
      readAt: (offset, length) => {
        alive();
        if (offset + length > f.data.length) {
          throw new StorageError("read", "short read");
        }
        return f.data.slice(offset, offset + length);
      },
      close: () => {},
    };
  }

  readAll(path: string): Uint8Array {
    const f = this.files.get(path);
    if (!f) throw errno("ENOENT", path);
    return f.data.slice();
  }

  remove(path: string): void {
    const f = this.files.get(path);
    if (!f) throw errno("ENOENT", path);
    this.files.delete(path);
    if (f.linked) this.#removed.set(path, f);
  }

  async syncDir(dir: string): Promise<void> {
    const epoch = this.#epoch;
    await this.#pause();
    if (epoch !== this.#epoch) throw new DeadProcessError();
    const pre = dir.endsWith("/") ? dir : dir + "/";
    for (const [p, f] of this.files) {
      if (p.startsWith(pre)) f.linked = true;
    }
    for (const p of [...this.#removed.keys()]) {
      if (p.startsWith(pre)) this.#removed.delete(p);
    }
  }

  lock(dir: string): () => void {
    if (this.#locks.has(dir)) {
      throw new StorageError("lock", `${dir} is in use`);
    }
    this.#locks.add(dir);
    const epoch = this.#epoch;
    return () => {
      if (epoch === this.#epoch) this.#locks.delete(dir);
    };
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
