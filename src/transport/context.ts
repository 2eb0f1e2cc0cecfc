/**
 * The process's libzmq context: created with the first socket, terminated on
 * a blocking-pool thread once the last socket has closed, so that a process
 * whose sockets are closed exits by itself.
 * @module
 */
import { lib } from "./libzmq.ts";
import { disposeReactor } from "./reactor.ts";
import { envIfGranted } from "./permissions.ts";

const ZMQ_MAX_SOCKETS = 2;
const ZMQ_IO_THREADS = 1;

let ctx: Deno.PointerValue = null;
let open = 0;
let termTimer: ReturnType<typeof setTimeout> | undefined;
let terminating: Promise<void> | undefined;

/** The context to create a socket in; counts the socket. @internal */
export function acquireContext(): Deno.PointerObject {
  if (termTimer !== undefined) {
    clearTimeout(termTimer);
    termTimer = undefined;
  }
  if (ctx === null) {
    const { zmq } = lib();
    ctx = zmq.zmq_ctx_new();
    if (ctx === null) throw new Error("zmq_ctx_new failed");
    zmq.zmq_ctx_set(ctx, ZMQ_MAX_SOCKETS, 65536);
    zmq.zmq_ctx_set(ctx, ZMQ_IO_THREADS, ioThreads());
  }
  open++;
  return ctx;
}

/**
 * libzmq I/O threads: `RELIABLE_ZMQ_IO_THREADS` (1-64) where `--allow-env`
 * grants it (never prompting), else 1.
 */
function ioThreads(): number {
  const v = Number(envIfGranted("RELIABLE_ZMQ_IO_THREADS") ?? "1");
  return Number.isInteger(v) && v > 0 && v <= 64 ? v : 1;
}

/** A socket of the context closed. @internal */
export function releaseContext(): void {
  open--;
  if (open === 0 && ctx !== null && termTimer === undefined) {
    // Deferred by one macrotask so that close-then-reopen (Lazy Pirate)
    // does not tear down and rebuild the I/O threads.
    termTimer = setTimeout(() => {
      termTimer = undefined;
      void terminateContext();
    }, 0);
  }
}

/**
 * Terminates the context if no socket is open. zmq_ctx_term waits for
 * lingering messages, so it runs off the main thread.
 * @internal
 */
export function terminateContext(): Promise<void> {
  if (termTimer !== undefined) {
    clearTimeout(termTimer);
    termTimer = undefined;
  }
  if (terminating) return terminating;
  if (open > 0 || ctx === null) return Promise.resolve();
  const old = ctx;
  ctx = null;
  terminating = Promise.all([lib().zmq.zmq_ctx_term(old), disposeReactor()])
    .then(() => {
      terminating = undefined;
    });
  return terminating;
}

/** Sockets open now. @internal */
export function openSockets(): number {
  return open;
}
