/**
 * One readiness loop per process for every socket of the transport.
 *
 * Every socket's ZMQ_FD is registered once in an epoll set, together with an
 * eventfd used for wake-ups. While some socket has a pending receive or send,
 * an idle period goes through three phases (see docs/PLATFORM.md, "The
 * reactor"):
 *
 * 1. **spin**: an inline `epoll_wait(…, 0)` loop for `spinUs` µs (25 default),
 *    started from `setImmediate` after the microtasks that may produce the
 *    awaited message have run. The spin is adaptive: the reactor keeps a
 *    moving average of how often a spin actually caught the awaited message;
 *    while that is rare (a peer in another process on a busy machine, where a
 *    spinning thread only takes the CPU the reply needs) it skips the spin
 *    and naps at once, spinning every 32nd idle period as a probe;
 * 2. **nap**: one inline `epoll_wait(…, napSliceMs)` per `setImmediate` turn
 *    for up to `napMs`, so timers and other I/O are served between slices;
 * 3. **park**: one `epoll_wait(…, -1)` on Deno's blocking pool
 *    (`nonblocking: true`), woken by the eventfd when the last waiter goes.
 *
 * epoll keeps the cost of a wait flat in the number of sockets, and since
 * `epoll_ctl` is thread-safe, registering a socket never has to interrupt a
 * parked wait. libzmq sockets are only ever touched on the main thread: the
 * parked thread sees file descriptors only.
 *
 * @module
 */
import { setImmediate } from "node:timers";
import { lib } from "./libzmq.ts";

/** Something the reactor wakes when its file descriptor is readable. @internal */
export interface ReactorTarget {
  /**
   * Called on the main thread when the registered fd reported readiness.
   * Returns whether a pending operation completed (the end of an idle
   * period), as opposed to libzmq merely processing internal commands.
   */
  onReady(): boolean;
}

/** Tuning of the reactor's waiting phases. */
export interface ReactorOptions {
  /**
   * How long to spin on an inline zero-timeout poll before napping, in
   * microseconds. Spinning catches a message that is a few microseconds
   * away without a sleep and wake-up in the kernel; 0 disables it. The
   * default is short: a peer in another process answers in hundreds of
   * microseconds, which no spin catches, and a longer budget only burned
   * CPU (about 1.6x the main thread's CPU per request in the sync broker,
   * no gain in latency or throughput; see BENCHMARKS.md, issue 18
   * afternoon).
   * @default 25
   */
  spinUs?: number;
  /**
   * Spin only while spinning pays: skip it while fewer than about a quarter of
   * recent idle periods ended within the spin budget. `false` always spins.
   * @default true
   */
  adaptiveSpin?: boolean;
  /**
   * How long to nap in inline timed polls after the spin, in milliseconds,
   * before parking the wait on another thread. 0 parks at once.
   * @default 10
   */
  napMs?: number;
  /**
   * Length of one nap slice, in milliseconds; timers and other I/O run
   * between slices.
   * @default 1
   */
  napSliceMs?: number;
}

/** Counters the reactor keeps, for tests and benchmarks. */
export interface ReactorStats {
  /** Sockets registered now. */
  registered: number;
  /** Sockets with a pending receive or send now. */
  waiting: number;
  /** Waits parked on the blocking thread since start. */
  parks: number;
  /** Readiness events handled since start. */
  events: number;
  /** Whether a wait is parked right now. */
  parked: boolean;
  /** Idle periods that spun, and those that skipped the spin (adaptive). */
  spins: number;
  /** Idle periods that skipped the spin because spinning seldom paid. */
  spinsSkipped: number;
  /** Moving average (0-1) of idle periods short enough for a spin to catch. */
  spinHitRate: number;
}

const EPOLL_CTL_ADD = 1;
const EPOLL_CTL_DEL = 2;
const EPOLLIN = 0x001;
const EFD_NONBLOCK = 0o4000;
const EFD_CLOEXEC = 0o2000000;
const EPOLL_CLOEXEC = 0o2000000;
// struct epoll_event is packed on x86_64 (12 bytes), naturally aligned elsewhere.
const EVENT_SIZE = Deno.build.arch === "x86_64" ? 12 : 16;
const DATA_OFFSET = Deno.build.arch === "x86_64" ? 4 : 8;
const MAX_EVENTS = 256;
const WAKE_ID = 0;

class Reactor {
  readonly #libc = lib().libc;
  readonly #epfd: number;
  readonly #efd: number;
  readonly #targets = new Map<number, ReactorTarget>();
  readonly #inline = new Uint8Array(MAX_EVENTS * EVENT_SIZE);
  readonly #inlineView = new DataView(this.#inline.buffer);
  readonly #parkBuf = new Uint8Array(MAX_EVENTS * EVENT_SIZE);
  readonly #parkView = new DataView(this.#parkBuf.buffer);
  readonly #ctl = new Uint8Array(16);
  readonly #ctlView = new DataView(this.#ctl.buffer);
  readonly #eight = new Uint8Array(8);
  #waiting = 0;
  #scheduled = false;
  #parked: Promise<void> | null = null;
  #wakeSent = false;
  #idleSince = -1;
  #parks = 0;
  #events = 0;
  #spins = 0;
  #spinsSkipped = 0;
  #hitRate = 1;
  #spunThisIdle = false;
  #sinceProbe = 0;
  #inSpin = false;
  adaptiveSpin = true;
  spinMs = 0.025;
  napMs = 10;
  napSliceMs = 1;

  constructor() {
    this.#epfd = this.#libc.epoll_create1(EPOLL_CLOEXEC);
    if (this.#epfd < 0) throw new Error("epoll_create1 failed");
    this.#efd = this.#libc.eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (this.#efd < 0) throw new Error("eventfd failed");
    this.#control(EPOLL_CTL_ADD, this.#efd, WAKE_ID);
  }

  #control(op: number, fd: number, id: number): void {
    this.#ctlView.setUint32(0, EPOLLIN, true);
    this.#ctlView.setUint32(DATA_OFFSET, id, true);
    this.#ctlView.setUint32(DATA_OFFSET + 4, 0, true);
    if (this.#libc.epoll_ctl(this.#epfd, op, fd, this.#ctl) !== 0) {
      throw new Error(`epoll_ctl(${op}) failed for fd ${fd}`);
    }
  }

  register(id: number, fd: number, target: ReactorTarget): void {
    this.#targets.set(id, target);
    this.#control(EPOLL_CTL_ADD, fd, id);
  }

  unregister(id: number, fd: number): void {
    if (!this.#targets.delete(id)) return;
    this.#control(EPOLL_CTL_DEL, fd, id);
  }

  /** A socket got its first pending operation. */
  addWaiter(): void {
    this.#waiting++;
    this.#schedule();
  }

  /** A socket lost its last pending operation. */
  removeWaiter(): void {
    this.#waiting--;
    if (this.#waiting === 0) this.#wake();
  }

  stats(): ReactorStats {
    return {
      registered: this.#targets.size,
      waiting: this.#waiting,
      parks: this.#parks,
      events: this.#events,
      parked: this.#parked !== null,
      spins: this.#spins,
      spinsSkipped: this.#spinsSkipped,
      spinHitRate: this.#hitRate,
    };
  }

  /** Closes the epoll and event descriptors; only when nothing is registered. */
  dispose(): boolean {
    if (this.#targets.size > 0 || this.#waiting > 0 || this.#parked) {
      return false;
    }
    this.#libc.close(this.#epfd);
    this.#libc.close(this.#efd);
    return true;
  }

  /** Resolves once no wait is parked (after the last waiter went). */
  async idle(): Promise<void> {
    while (this.#parked) {
      this.#wake();
      await this.#parked;
    }
  }

  #schedule(): void {
    if (this.#scheduled || this.#parked || this.#waiting === 0) return;
    this.#scheduled = true;
    setImmediate(this.#turn);
  }

  #wake(): void {
    if (!this.#parked || this.#wakeSent) return;
    this.#wakeSent = true;
    this.#eight.fill(0);
    this.#eight[0] = 1;
    this.#libc.write(this.#efd, this.#eight, 8n);
  }

  #dispatch(view: DataView, n: number): void {
    this.#events += n;
    for (let i = 0; i < n; i++) {
      const id = view.getUint32(i * EVENT_SIZE + DATA_OFFSET, true);
      if (id === WAKE_ID) {
        this.#libc.read(this.#efd, this.#eight, 8n);
        continue;
      }
      const target = this.#targets.get(id);
      if (target?.onReady() && this.#spunThisIdle) {
        // A pending operation completed in an idle period that spun: did the
        // spin catch it? (Wake-ups where libzmq only processed its internal
        // commands complete nothing and don't count.)
        this.#hitRate = this.#hitRate * 0.875 + (this.#inSpin ? 0.125 : 0);
        this.#spunThisIdle = false;
      }
    }
  }

  readonly #turn = (): void => {
    this.#scheduled = false;
    if (this.#waiting === 0 || this.#parked) {
      this.#idleSince = -1;
      if (this.#waiting === 0) this.#spunThisIdle = false;
      return;
    }
    const libc = this.#libc;
    if (this.#idleSince < 0) {
      // Phase 1: spin (or one zero-timeout look when the spin is skipped).
      const start = performance.now();
      const spin = this.spinMs > 0 &&
        (!this.adaptiveSpin || this.#hitRate >= 0.25 ||
          ++this.#sinceProbe >= 32);
      if (spin) this.#sinceProbe = 0;
      if (spin) {
        this.#spins++;
        this.#spunThisIdle = true;
      } else this.#spinsSkipped++;
      // Without a spin, go straight to the nap: its timed wait returns at
      // once when something is ready, so a zero-timeout look would only add
      // a system call.
      const until = start + this.spinMs;
      while (spin) {
        const n = libc.epoll_wait(this.#epfd, this.#inline, MAX_EVENTS, 0);
        if (n > 0) {
          this.#inSpin = true;
          this.#dispatch(this.#inlineView, n);
          this.#inSpin = false;
          this.#schedule();
          return;
        }
        if (performance.now() >= until) break;
      }
      this.#idleSince = spin ? performance.now() : start;
    }
    if (performance.now() - this.#idleSince < this.napMs) {
      // Phase 2: nap in short inline slices, one per turn of the event loop.
      const n = libc.epoll_wait(
        this.#epfd,
        this.#inline,
        MAX_EVENTS,
        this.napSliceMs,
      );
      if (n > 0) {
        this.#idleSince = -1;
        this.#dispatch(this.#inlineView, n);
      }
      this.#schedule();
      return;
    }
    this.#park();
  };

  // Phase 3: park one wait on Deno's blocking pool.
  #park(): void {
    this.#parks++;
    this.#wakeSent = false;
    const pending = libc_parked(this.#libc, this.#epfd, this.#parkBuf);
    this.#parked = pending.then((n) => {
      this.#parked = null;
      this.#wakeSent = false;
      this.#idleSince = -1;
      if (n > 0) this.#dispatch(this.#parkView, n);
      this.#schedule();
    });
  }
}

function libc_parked(
  libc: ReturnType<typeof lib>["libc"],
  epfd: number,
  buf: Uint8Array,
): Promise<number> {
  return libc.epoll_wait_parked(epfd, buf, MAX_EVENTS, -1);
}

let instance: Reactor | undefined;

/** The process's reactor, created on first use. @internal */
export function reactor(): Reactor {
  if (!instance) {
    instance = new Reactor();
    if (tuning) Object.assign(instance, tuning);
  }
  return instance;
}

/**
 * Releases the reactor's file descriptors once no socket is registered and no
 * wait is parked; the next socket creates a fresh reactor. Keeps the tuning.
 * @internal
 */
export async function disposeReactor(): Promise<void> {
  const r = instance;
  if (!r) return;
  await r.idle();
  if (instance === r && r.dispose()) {
    instance = undefined;
    tuning = {
      spinMs: r.spinMs,
      napMs: r.napMs,
      napSliceMs: r.napSliceMs,
      adaptiveSpin: r.adaptiveSpin,
    };
  }
}

let tuning:
  | { spinMs: number; napMs: number; napSliceMs: number; adaptiveSpin: boolean }
  | undefined;

/**
 * Tunes the reactor's waiting phases (spin, nap, park). Takes effect from the
 * next idle period. See {@linkcode ReactorOptions} for what each choice buys.
 *
 * @param options The phases to change; omitted fields keep their value.
 * @throws {RangeError} When a value is negative or not finite.
 * @example A CPU-first setting: no spin, short nap
 * ```ts
 * import { configureReactor } from "@reliable/zmq";
 * configureReactor({ spinUs: 0, napMs: 1 });
 * configureReactor({ spinUs: 25, napMs: 10 }); // back to the defaults
 * ```
 */
export function configureReactor(options: ReactorOptions): void {
  if (options === null || typeof options !== "object") {
    throw new TypeError("configureReactor() needs an options object");
  }
  const r = reactor();
  const check = (name: string, v: number | undefined): v is number => {
    if (v === undefined) return false;
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
      throw new RangeError(
        `configureReactor(): ${name} must be a finite number >= 0, got ${v}`,
      );
    }
    return true;
  };
  if (check("spinUs", options.spinUs)) r.spinMs = options.spinUs / 1000;
  if (options.adaptiveSpin !== undefined) {
    if (typeof options.adaptiveSpin !== "boolean") {
      throw new TypeError("configureReactor(): adaptiveSpin must be a boolean");
    }
    r.adaptiveSpin = options.adaptiveSpin;
  }
  if (check("napMs", options.napMs)) r.napMs = options.napMs;
  if (check("napSliceMs", options.napSliceMs)) {
    r.napSliceMs = Math.max(1, Math.round(options.napSliceMs));
  }
}

/**
 * Counters of the process's reactor: registered sockets, sockets waiting,
 * parked waits and readiness events so far.
 *
 * @returns A snapshot of the counters.
 * @example
 * ```ts
 * import { reactorStats } from "@reliable/zmq";
 * console.log(reactorStats().parked); // false when nothing is waiting
 * ```
 */
export function reactorStats(): ReactorStats {
  return reactor().stats();
}
