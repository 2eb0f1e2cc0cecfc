/**
 * The C functions the transport declares for Deno FFI: libzmq's API and the
 * few libc functions the reactor (epoll, eventfd), the staging path for a
 * scoped `--allow-ffi` (memcpy) and the resolver (getaddrinfo) use. libc's
 * are looked up through libzmq's own handle (see `libzmq.ts`).
 *
 * @module
 */

/** The libzmq functions the transport calls. @internal */
export const ZMQ_SYMBOLS = {
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
  // The same five with zmq_msg_t slots passed as buffers: the staging path
  // for a scoped --allow-ffi=<dir>, where Deno.UnsafePointer is refused.
  zmq_msg_init_b: {
    name: "zmq_msg_init",
    parameters: ["buffer"],
    result: "i32",
  },
  zmq_msg_recv_b: {
    name: "zmq_msg_recv",
    parameters: ["buffer", "pointer", "i32"],
    result: "i32",
  },
  zmq_msg_data_b: {
    name: "zmq_msg_data",
    parameters: ["buffer"],
    result: "pointer",
  },
  zmq_msg_more_b: {
    name: "zmq_msg_more",
    parameters: ["buffer"],
    result: "i32",
  },
  zmq_msg_close_b: {
    name: "zmq_msg_close",
    parameters: ["buffer"],
    result: "i32",
  },
  zmq_msg_data: { parameters: ["pointer"], result: "pointer" },
  // For the zmq_msg_t layout self-check (staging.ts).
  zmq_msg_size: { parameters: ["pointer"], result: "usize" },
  zmq_msg_size_b: {
    name: "zmq_msg_size",
    parameters: ["buffer"],
    result: "usize",
  },
  // A frame's connection metadata (the ZAP handler's User-Id).
  zmq_msg_gets: { parameters: ["pointer", "buffer"], result: "pointer" },
  zmq_msg_gets_b: {
    name: "zmq_msg_gets",
    parameters: ["buffer", "buffer"],
    result: "pointer",
  },
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

/** The libc functions the reactor, staging and resolver call. @internal */
export const LIBC_SYMBOLS = {
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
  // Copying out of libzmq's memory with a scoped --allow-ffi=<dir>, where
  // Deno.UnsafePointerView (which needs unscoped --allow-ffi) is refused.
  memcpy: { parameters: ["buffer", "pointer", "usize"], result: "void" },
  strnlen: { parameters: ["pointer", "usize"], result: "usize" },
  // Name resolution on Deno's blocking pool (resolve.ts); no --allow-net.
  getaddrinfo: {
    parameters: ["buffer", "pointer", "buffer", "buffer"],
    result: "i32",
    nonblocking: true,
  },
  freeaddrinfo: { parameters: ["u64"], result: "void" },
  gai_strerror: { parameters: ["i32"], result: "pointer" },
} as const;

/** The libzmq symbols the transport uses. */
export type ZmqSymbols = Deno.DynamicLibrary<typeof ZMQ_SYMBOLS>["symbols"];
/** The libc symbols the reactor uses. */
export type LibcSymbols = Deno.DynamicLibrary<typeof LIBC_SYMBOLS>["symbols"];
