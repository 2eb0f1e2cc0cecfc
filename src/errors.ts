/**
 * The whole error hierarchy of reliable-zmq, in one file.
 *
 * Every error the library throws on purpose is a {@linkcode ZmqReliableError}
 * (argument errors excepted: those are the built-in `TypeError` and
 * `RangeError`). Catch the subclass that names what you can act on.
 *
 * @module
 */

/**
 * Base class of every error raised by reliable-zmq.
 *
 * @example Telling library errors apart
 * ```ts
 * import { ClosedError, ZmqReliableError } from "@reliable/zmq";
 * const err: unknown = new ClosedError("Cannot receive: socket is closed");
 * console.log(err instanceof ZmqReliableError); // true
 * ```
 */
export class ZmqReliableError extends Error {
  /**
   * Creates the error.
   *
   * @param message What went wrong, written for the person who must act on it.
   * @param options Standard error options (`cause`).
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ZmqReliableError";
  }
}

/**
 * An operation was attempted on a socket, client, worker or broker that is
 * closed, or it was pending when the resource was closed.
 *
 * @example
 * ```ts
 * import { ClosedError } from "@reliable/zmq";
 * const err = new ClosedError("Cannot send: socket is closed");
 * console.log(err.name); // "ClosedError"
 * ```
 */
export class ClosedError extends ZmqReliableError {
  /**
   * Creates the error.
   *
   * @param message What was closed and what could not be done.
   * @param options Standard error options (`cause`).
   */
  constructor(message = "The resource is closed", options?: ErrorOptions) {
    super(message, options);
    this.name = "ClosedError";
  }
}

/**
 * A wait (receive, send, request) did not complete within its time limit.
 *
 * @example
 * ```ts
 * import { TimeoutError } from "@reliable/zmq";
 * const err = new TimeoutError("No message within 100 ms", 100);
 * console.log(err.timeoutMs); // 100
 * ```
 */
export class TimeoutError extends ZmqReliableError {
  /** The limit that expired, in milliseconds. */
  readonly timeoutMs: number;
  /**
   * Creates the error.
   *
   * @param message What timed out.
   * @param timeoutMs The limit that expired, in milliseconds.
   * @param options Standard error options (`cause`).
   */
  constructor(message: string, timeoutMs: number, options?: ErrorOptions) {
    super(message, options);
    this.name = "TimeoutError";
    this.timeoutMs = timeoutMs;
  }
}

/**
 * A request got no reply after every attempt its client was allowed.
 *
 * @example
 * ```ts
 * import { RequestTimeoutError } from "@reliable/zmq";
 * const err = new RequestTimeoutError("echo", 3, 7512, 2500);
 * console.log(err.attempts, err.service); // 3 "echo"
 * ```
 */
export class RequestTimeoutError extends TimeoutError {
  /** The service (or server endpoint) that was asked. */
  readonly service: string;
  /** How many times the request was sent. */
  readonly attempts: number;
  /** Time from the first send to giving up, in milliseconds. */
  readonly elapsedMs: number;
  /**
   * Creates the error.
   *
   * @param service The service or endpoint that was asked.
   * @param attempts How many times the request was sent.
   * @param elapsedMs Time from the first send to giving up, in milliseconds.
   * @param timeoutMs The limit that expired, in milliseconds: the
   * per-attempt timeout, or the deadline when `options.limit` is
   * `"deadline"`.
   * @param options Standard error options (`cause`) and which limit
   * expired.
   */
  constructor(
    service: string,
    attempts: number,
    elapsedMs: number,
    timeoutMs: number,
    options?: ErrorOptions & {
      /**
       * Which limit `timeoutMs` is: the per-attempt timeout (the default)
       * or the whole request's deadline.
       */
      limit?: "attempt" | "deadline";
    },
  ) {
    const limit = options?.limit === "deadline"
      ? `deadline ${timeoutMs} ms`
      : `timeout ${timeoutMs} ms per attempt`;
    super(
      `Request to "${service}" got no reply after ${attempts} attempt(s) in ${
        Math.round(elapsedMs)
      } ms (${limit})`,
      timeoutMs,
      options,
    );
    this.name = "RequestTimeoutError";
    this.service = service;
    this.attempts = attempts;
    this.elapsedMs = elapsedMs;
  }
}

/**
 * The service asked for does not exist (MMI answered 404), or has no worker.
 *
 * @example
 * ```ts
 * import { ServiceUnavailableError } from "@reliable/zmq";
 * const err = new ServiceUnavailableError("nosuch");
 * console.log(err.service); // "nosuch"
 * ```
 */
export class ServiceUnavailableError extends ZmqReliableError {
  /** The service that was asked for. */
  readonly service: string;
  /**
   * Creates the error.
   *
   * @param service The service that was asked for.
   * @param message Optional override of the default message.
   * @param options Standard error options (`cause`).
   */
  constructor(service: string, message?: string, options?: ErrorOptions) {
    super(
      message ?? `Service "${service}" is not available (no worker registered)`,
      options,
    );
    this.name = "ServiceUnavailableError";
    this.service = service;
  }
}

/**
 * Options of {@linkcode ProtocolError}: the standard `cause`, plus the
 * malformation class.
 *
 * @example
 * ```ts
 * import { ProtocolError, type ProtocolErrorOptions } from "@reliable/zmq";
 * const options: ProtocolErrorOptions = { code: "BAD_COMMAND" };
 * console.log(new ProtocolError("MDPW01", 2, "unknown command", options).code); // "BAD_COMMAND"
 * ```
 */
export interface ProtocolErrorOptions extends ErrorOptions {
  /**
   * The malformation class, one of the names the protocol's spec data list
   * (e.g. `MdpMalformation` in `@reliable/zmq/protocol`).
   *
   * @default {"INVALID"}
   */
  code?: string;
}

/**
 * A message broke its protocol: too few frames, a wrong header, an unknown
 * command, a corrupt record.
 *
 * @example
 * ```ts
 * import { ProtocolError } from "@reliable/zmq";
 * const err = new ProtocolError("MDPW01", 2, "unknown command 0x09", { code: "BAD_COMMAND" });
 * console.log(err.protocol, err.frame, err.code, err.reason);
 * ```
 */
export class ProtocolError extends ZmqReliableError {
  /** The protocol whose rules were broken, e.g. `"MDPW01"`, `"PPP"`, `"record"`. */
  readonly protocol: string;
  /** Index of the offending frame, or -1 when it is about the whole message. */
  readonly frame: number;
  /** A short description of what was wrong. */
  readonly reason: string;
  /**
   * The malformation class, a name from the protocol's spec data (e.g.
   * `"BAD_COMMAND"`), or `"INVALID"` when the thrower named none. Compare
   * this, not `reason`, in code.
   */
  readonly code: string;
  /**
   * Creates the error.
   *
   * @param protocol The protocol whose rules were broken.
   * @param frame Index of the offending frame, or -1 for the whole message.
   * @param reason A short description of what was wrong.
   * @param options Standard error options (`cause`) and the malformation
   * class (`code`).
   */
  constructor(
    protocol: string,
    frame: number,
    reason: string,
    options?: ProtocolErrorOptions,
  ) {
    super(
      `Invalid ${protocol} message${
        frame >= 0 ? ` (frame ${frame})` : ""
      }: ${reason}`,
      options,
    );
    this.name = "ProtocolError";
    this.protocol = protocol;
    this.frame = frame;
    this.reason = reason;
    this.code = options?.code ?? "INVALID";
  }
}

/**
 * A stored record (Titanic log, state snapshot) is truncated, oversized or
 * fails its checksum.
 *
 * @example
 * ```ts
 * import { CorruptRecordError } from "@reliable/zmq";
 * const err = new CorruptRecordError("CRC-32C mismatch");
 * console.log(err.protocol); // "record"
 * ```
 */
export class CorruptRecordError extends ProtocolError {
  /**
   * Creates the error.
   *
   * @param reason What is wrong with the record.
   * @param options Standard error options (`cause`).
   */
  constructor(reason: string, options?: ErrorOptions) {
    super("record", -1, reason, options);
    this.name = "CorruptRecordError";
  }
}

/**
 * A peer (Binary Star partner, Freelance server) is unreachable, or a
 * failover was refused.
 *
 * @example
 * ```ts
 * import { PeerUnavailableError } from "@reliable/zmq";
 * const err = new PeerUnavailableError("tcp://127.0.0.1:5001 is not answering");
 * console.log(err.name); // "PeerUnavailableError"
 * ```
 */
export class PeerUnavailableError extends ZmqReliableError {
  /** The peers (endpoints) that were tried, in order. */
  readonly peers: readonly string[];
  /**
   * Creates the error.
   *
   * @param message Which peer and what happened.
   * @param peers The peers (endpoints) that were tried.
   * @param options Standard error options (`cause`).
   */
  constructor(
    message: string,
    peers: readonly string[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "PeerUnavailableError";
    this.peers = peers;
  }
}

/**
 * A Freelance request got no reply from any server within its deadline
 * (or its attempts): every server tried was dead, silent or slow, or none
 * was alive to try. `peers` lists the servers the request was sent to, in
 * order (empty when none was alive).
 *
 * @example
 * ```ts
 * import { NoServerAnsweredError, PeerUnavailableError } from "@reliable/zmq";
 * const err = new NoServerAnsweredError(["tcp://127.0.0.1:5555"], 2, 3000, 3000);
 * console.log(err instanceof PeerUnavailableError, err.attempts); // true 2
 * ```
 */
export class NoServerAnsweredError extends PeerUnavailableError {
  /** How many times the request was sent (to one server each time, or to all for the shotgun). */
  readonly attempts: number;
  /** Time from the call to giving up, in milliseconds. */
  readonly elapsedMs: number;
  /** The request's deadline, in milliseconds. */
  readonly deadlineMs: number;
  /**
   * Creates the error.
   *
   * @param peers The servers the request was sent to, in order.
   * @param attempts How many times it was sent.
   * @param elapsedMs Time from the call to giving up, in milliseconds.
   * @param deadlineMs The request's deadline, in milliseconds.
   * @param options Standard error options (`cause`).
   */
  constructor(
    peers: readonly string[],
    attempts: number,
    elapsedMs: number,
    deadlineMs: number,
    options?: ErrorOptions,
  ) {
    super(
      `No server answered after ${attempts} attempt(s) in ${
        Math.round(elapsedMs)
      } ms (deadline ${deadlineMs} ms)${
        peers.length
          ? `; tried ${[...new Set(peers)].join(", ")}`
          : "; no server was alive"
      }`,
      peers,
      options,
    );
    this.name = "NoServerAnsweredError";
    this.attempts = attempts;
    this.elapsedMs = elapsedMs;
    this.deadlineMs = deadlineMs;
  }
}

/** Options of {@linkcode LibraryLoadError}. */
export interface LibraryLoadErrorOptions extends ErrorOptions {
  /**
   * What to do about it, e.g. the missing permission and the flag that
   * grants it.
   * @default advice on installing and choosing a libzmq
   */
  advice?: string;
}

/**
 * libzmq could not be found or loaded. The message says what to do (the
 * missing permission and the flag that grants it, or how to choose another
 * libzmq) and lists every candidate that was tried and why each one failed.
 *
 * @example
 * ```ts
 * import { LibraryLoadError } from "@reliable/zmq";
 * const err = new LibraryLoadError(["/x/addon.node: no FFI permission"], {
 *   advice: "Run with --allow-ffi.",
 * });
 * console.log(err.attempts.length, err.message.startsWith("Could not load")); // 1 true
 * ```
 */
export class LibraryLoadError extends ZmqReliableError {
  /** One line per candidate: its path and why it failed. */
  readonly attempts: readonly string[];
  /**
   * Creates the error.
   *
   * @param attempts One line per candidate that was tried.
   * @param options What to do about it (`advice`) and the `cause`.
   */
  constructor(attempts: readonly string[], options?: LibraryLoadErrorOptions) {
    const advice = options?.advice ??
      "Run with --allow-ffi, or set RELIABLE_ZMQ_LIBZMQ to a libzmq.so.5 path.";
    super(
      `Could not load libzmq. ${advice}\nTried:\n  ${attempts.join("\n  ")}`,
      options,
    );
    this.name = "LibraryLoadError";
    this.attempts = attempts;
  }
}

/**
 * A libzmq call failed. `code` is the errno name (`"EADDRINUSE"`), `errno`
 * its number, `operation` the call that failed.
 *
 * @example
 * ```ts
 * import { ZmqError } from "@reliable/zmq";
 * const err = new ZmqError("bind", 98, "EADDRINUSE", "Address already in use");
 * console.log(err.code); // "EADDRINUSE"
 * ```
 */
export class ZmqError extends ZmqReliableError {
  /** The libzmq operation that failed, e.g. `"bind"`. */
  readonly operation: string;
  /** The numeric errno. */
  readonly errno: number;
  /** The errno name, e.g. `"EADDRINUSE"`, or `"E<number>"` when unknown. */
  readonly code: string;
  /**
   * Creates the error.
   *
   * @param operation The libzmq operation that failed.
   * @param errno The numeric errno.
   * @param code The errno name.
   * @param detail libzmq's own description, plus any context.
   * @param options Standard error options (`cause`).
   */
  constructor(
    operation: string,
    errno: number,
    code: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`${operation} failed: ${detail} (${code})`, options);
    this.name = "ZmqError";
    this.operation = operation;
    this.errno = errno;
    this.code = code;
  }
}

/**
 * An endpoint is well formed but cannot be used here: its host is neither a
 * local interface nor a name that resolves, or its address does not belong
 * to this machine (for a bind). The message names the endpoint and the
 * host; `endpoint` holds it as given.
 *
 * @example
 * ```ts
 * import { EndpointError } from "@reliable/zmq";
 * const err = new EndpointError(
 *   "bind", 19, "ENODEV", "tcp://nosuch.invalid:5555",
 *   'host "nosuch.invalid" is not a local interface or a name that resolves',
 * );
 * console.log(err.endpoint); // "tcp://nosuch.invalid:5555"
 * ```
 */
export class EndpointError extends ZmqError {
  /** The endpoint that could not be used, as given. */
  readonly endpoint: string;
  /**
   * Creates the error.
   *
   * @param operation `"bind"`, `"connect"` or `"resolve"`.
   * @param errno The numeric errno (0 when it came from name resolution).
   * @param code The errno name, or the resolver's (`"EAI_NONAME"`).
   * @param endpoint The endpoint.
   * @param why What is wrong with it.
   * @param options Standard error options (`cause`).
   */
  constructor(
    operation: string,
    errno: number,
    code: string,
    endpoint: string,
    why: string,
    options?: ErrorOptions,
  ) {
    super(operation, errno, code, `${endpoint}: ${why}`, options);
    this.name = "EndpointError";
    this.endpoint = endpoint;
  }
}

/**
 * A ROUTER socket with `routerMandatory` could not route a message: no peer
 * with that routing id is connected (EHOSTUNREACH).
 *
 * @example
 * ```ts
 * import { HostUnreachableError } from "@reliable/zmq";
 * const err = new HostUnreachableError("send", "no peer with routing id 0x00aa");
 * console.log(err.code); // "EHOSTUNREACH"
 * ```
 */
export class HostUnreachableError extends ZmqError {
  /**
   * Creates the error.
   *
   * @param operation The operation that failed.
   * @param detail What could not be routed.
   * @param options Standard error options (`cause`).
   */
  constructor(operation: string, detail: string, options?: ErrorOptions) {
    super(operation, 113, "EHOSTUNREACH", detail, options);
    this.name = "HostUnreachableError";
  }
}

/**
 * The endpoint is already bound by this or another process (EADDRINUSE).
 *
 * @example
 * ```ts
 * import { AddressInUseError } from "@reliable/zmq";
 * const err = new AddressInUseError("bind", "tcp://127.0.0.1:5555 is in use");
 * console.log(err.code); // "EADDRINUSE"
 * ```
 */
export class AddressInUseError extends ZmqError {
  /**
   * Creates the error.
   *
   * @param operation The operation that failed.
   * @param detail Which endpoint.
   * @param options Standard error options (`cause`).
   */
  constructor(operation: string, detail: string, options?: ErrorOptions) {
    super(operation, 98, "EADDRINUSE", detail, options);
    this.name = "AddressInUseError";
  }
}

/**
 * The socket's state machine forbids the operation now (EFSM), e.g. a REQ
 * socket sending twice without receiving the reply in between.
 *
 * @example
 * ```ts
 * import { SocketStateError } from "@reliable/zmq";
 * const err = new SocketStateError("send", "REQ must receive before it sends again");
 * console.log(err.code); // "EFSM"
 * ```
 */
export class SocketStateError extends ZmqError {
  /**
   * Creates the error.
   *
   * @param operation The operation that failed.
   * @param detail What the state machine expected.
   * @param options Standard error options (`cause`).
   */
  constructor(operation: string, detail: string, options?: ErrorOptions) {
    super(operation, 156384763, "EFSM", detail, options);
    this.name = "SocketStateError";
  }
}

/**
 * A client got nothing at all from its broker (no reply, no MMI answer)
 * for the whole time it tried: the broker is down or unreachable, as
 * opposed to a service that is merely slow.
 *
 * @example
 * ```ts
 * import { BrokerUnreachableError } from "@reliable/zmq";
 * const err = new BrokerUnreachableError("tcp://127.0.0.1:5555", "echo", 2, 5012);
 * console.log(err.endpoint, err.elapsedMs); // "tcp://127.0.0.1:5555" 5012
 * ```
 */
export class BrokerUnreachableError extends ZmqReliableError {
  /** The broker's endpoint. */
  readonly endpoint: string;
  /** The service the request was for. */
  readonly service: string;
  /** How many times the request was sent. */
  readonly attempts: number;
  /** Time from the call to giving up, in milliseconds (everything counted). */
  readonly elapsedMs: number;
  /**
   * Creates the error.
   *
   * @param endpoint The broker's endpoint.
   * @param service The service the request was for.
   * @param attempts How many times the request was sent.
   * @param elapsedMs Time from the call to giving up, in milliseconds.
   * @param options Standard error options (`cause`).
   */
  constructor(
    endpoint: string,
    service: string,
    attempts: number,
    elapsedMs: number,
    options?: ErrorOptions,
  ) {
    super(
      `Broker at ${endpoint} is unreachable: nothing heard from it in ${
        Math.round(elapsedMs)
      } ms (${attempts} attempt(s) of a request to "${service}"); is it running?`,
      options,
    );
    this.name = "BrokerUnreachableError";
    this.endpoint = endpoint;
    this.service = service;
    this.attempts = attempts;
    this.elapsedMs = elapsedMs;
  }
}

/**
 * A request failed with an error reply from a reliable-zmq broker (the RZ
 * extension of 7/MDP, see docs/MDP_EXTENSIONS.md): the request will not be
 * answered. Catch a subclass to act on one cause, or this class for all.
 *
 * @example
 * ```ts
 * import { HandlerFailedError, RequestFailedError } from "@reliable/zmq";
 * const err: unknown = new HandlerFailedError("echo", "division by zero");
 * if (err instanceof RequestFailedError) console.log(err.code, err.detail); // "500" "division by zero"
 * ```
 */
export class RequestFailedError extends ZmqReliableError {
  /** The service the request was for. */
  readonly service: string;
  /** The error code the broker sent (`"500"`, `"502"`, `"503"`, `"504"`). */
  readonly code: string;
  /** The text that came with it (the worker's message for 500). */
  readonly detail: string;
  /**
   * Creates the error.
   *
   * @param service The service the request was for.
   * @param code The error code.
   * @param detail The text that came with it.
   * @param message The whole message.
   * @param options Standard error options (`cause`).
   */
  constructor(
    service: string,
    code: string,
    detail: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "RequestFailedError";
    this.service = service;
    this.code = code;
    this.detail = detail;
  }
}

/**
 * The worker's handler failed on this request (RZ error `500`); `detail`
 * is the worker's message. Not retried: the same request would most
 * likely fail again.
 *
 * @example
 * ```ts
 * import { HandlerFailedError } from "@reliable/zmq";
 * const err = new HandlerFailedError("parse", "unexpected token");
 * console.log(err.message); // Service "parse" failed: unexpected token
 * ```
 */
export class HandlerFailedError extends RequestFailedError {
  /**
   * Creates the error.
   *
   * @param service The service the request was for.
   * @param detail The worker's message.
   * @param options Standard error options (`cause`).
   */
  constructor(service: string, detail: string, options?: ErrorOptions) {
    super(
      service,
      "500",
      detail,
      `Service "${service}" failed: ${detail}`,
      options,
    );
    this.name = "HandlerFailedError";
  }
}

/**
 * The broker refused the request at one of its bounds (RZ error `503`:
 * the service's queue, the pending requests or bytes, or the number of
 * services is at its limit). Nothing ran; retry later, or slow down.
 *
 * @example
 * ```ts
 * import { RequestRejectedError } from "@reliable/zmq";
 * const err = new RequestRejectedError("echo", "service queue full");
 * console.log(err.code); // "503"
 * ```
 */
export class RequestRejectedError extends RequestFailedError {
  /**
   * Creates the error.
   *
   * @param service The service the request was for.
   * @param detail Which bound the broker hit.
   * @param options Standard error options (`cause`).
   */
  constructor(service: string, detail: string, options?: ErrorOptions) {
    super(
      service,
      "503",
      detail,
      `Request to "${service}" rejected by the broker (overloaded): ${detail}`,
      options,
    );
    this.name = "RequestRejectedError";
  }
}

/**
 * The request waited in the broker's queue longer than the broker's
 * `requestTtlMs` and was dropped without running (RZ error `504`).
 *
 * @example
 * ```ts
 * import { RequestExpiredError } from "@reliable/zmq";
 * const err = new RequestExpiredError("echo", "no worker within 60000 ms");
 * console.log(err.code); // "504"
 * ```
 */
export class RequestExpiredError extends RequestFailedError {
  /**
   * Creates the error.
   *
   * @param service The service the request was for.
   * @param detail The broker's text.
   * @param options Standard error options (`cause`).
   */
  constructor(service: string, detail: string, options?: ErrorOptions) {
    super(
      service,
      "504",
      detail,
      `Request to "${service}" expired in the broker's queue: ${detail}`,
      options,
    );
    this.name = "RequestExpiredError";
  }
}

/**
 * Every attempt of the request was lost with the worker that held it (RZ
 * error `502`: the worker died or disconnected mid-request), and the
 * client's attempts ran out. The request may have run, partly or wholly,
 * once per attempt.
 *
 * @example
 * ```ts
 * import { WorkerLostError } from "@reliable/zmq";
 * const err = new WorkerLostError("echo", "worker expired", 3);
 * console.log(err.attempts); // 3
 * ```
 */
export class WorkerLostError extends RequestFailedError {
  /** How many times the request was sent. */
  readonly attempts: number;
  /**
   * Creates the error.
   *
   * @param service The service the request was for.
   * @param detail The broker's text for the last loss.
   * @param attempts How many times the request was sent.
   * @param options Standard error options (`cause`).
   */
  constructor(
    service: string,
    detail: string,
    attempts: number,
    options?: ErrorOptions,
  ) {
    super(
      service,
      "502",
      detail,
      `Request to "${service}" lost with its worker on each of ${attempts} attempt(s): ${detail}`,
      options,
    );
    this.name = "WorkerLostError";
    this.attempts = attempts;
  }
}

/**
 * The process has (nearly) run out of file descriptors (EMFILE). The message
 * says how many are in use, the soft and hard limits, and exactly what to
 * raise. The transport refuses new sockets while fewer than 128 descriptors
 * would be left, because Deno itself panics when it finds none.
 *
 * @example
 * ```ts
 * import { FileDescriptorLimitError } from "@reliable/zmq";
 * const err = new FileDescriptorLimitError("Cannot open a DEALER socket: ...", 1024, 4096, 1000);
 * console.log(err.code, err.softLimit, err.hardLimit); // "EMFILE" 1024 4096
 * ```
 */
export class FileDescriptorLimitError extends ZmqError {
  /** The soft limit in force (`ulimit -n`). */
  readonly softLimit: number;
  /** The hard limit: how far the process may raise the soft limit itself. */
  readonly hardLimit: number;
  /** Descriptors in use when the error was raised. */
  readonly inUse: number;
  /**
   * Creates the error.
   *
   * @param message What could not be done and what to raise.
   * @param softLimit The soft limit in force.
   * @param hardLimit The hard limit.
   * @param inUse Descriptors in use.
   * @param options Standard error options (`cause`).
   */
  constructor(
    message: string,
    softLimit: number,
    hardLimit: number,
    inUse: number,
    options?: ErrorOptions,
  ) {
    super("socket", 24, "EMFILE", message, options);
    this.message = message;
    this.name = "FileDescriptorLimitError";
    this.softLimit = softLimit;
    this.hardLimit = hardLimit;
    this.inUse = inUse;
  }
}

/**
 * A store (the Titanic request log or database) could not do what was
 * asked: a write or sync failed (disk full, I/O error), its directory is in
 * use by another process, or it is closed. `operation` names what failed.
 * The original error, if any, is the `cause`.
 *
 * @example
 * ```ts
 * import { StorageError } from "@reliable/zmq";
 * const err = new StorageError("append", "No space left on device");
 * console.log(err.operation); // "append"
 * ```
 */
export class StorageError extends ZmqReliableError {
  /** What the store was doing, e.g. `"append"`, `"sync"`, `"open"`. */
  readonly operation: string;
  /**
   * Creates the error.
   *
   * @param operation What the store was doing.
   * @param detail What went wrong.
   * @param options Standard error options (`cause`).
   */
  constructor(operation: string, detail: string, options?: ErrorOptions) {
    super(`Storage ${operation} failed: ${detail}`, options);
    this.name = "StorageError";
    this.operation = operation;
  }
}

/**
 * A Titanic (9/TSP) service answered with an error status: `"400"` (the
 * request or UUID is invalid or unknown: do not retry) or `"500"` (the
 * service could not complete it, or gave up on it: see `text`).
 *
 * @example
 * ```ts
 * import { TitanicError } from "@reliable/zmq";
 * const err = new TitanicError("titanic.reply", "500", "no reply after 5 attempts");
 * console.log(err.status, err.service); // "500" "titanic.reply"
 * ```
 */
export class TitanicError extends ZmqReliableError {
  /** The TSP service that answered, e.g. `"titanic.request"`. */
  readonly service: string;
  /** The status code, `"400"` or `"500"`. */
  readonly status: string;
  /** The text that came with it (for people; never interpret it). */
  readonly text: string;
  /**
   * Creates the error.
   *
   * @param service The TSP service that answered.
   * @param status The status code.
   * @param text The text that came with it.
   * @param options Standard error options (`cause`).
   */
  constructor(
    service: string,
    status: string,
    text: string,
    options?: ErrorOptions,
  ) {
    super(
      `${service} answered ${status}${text ? `: ${text}` : ""}`,
      options,
    );
    this.name = "TitanicError";
    this.service = service;
    this.status = status;
    this.text = text;
  }
}

/**
 * A CURVE key or key file cannot be used: the file is missing or
 * unreadable, a secret key file is readable by others than its owner, or
 * the content is not a key (not 40 characters of Z85, no `public-key` /
 * `secret-key` line, a secret key that does not match its public key).
 * `path` names the file (empty for a key given as a string), `reason` says
 * what is wrong in a few words.
 *
 * @example
 * ```ts
 * import { KeyFileError } from "@reliable/zmq";
 * const err = new KeyFileError("/etc/zmq/broker_secret", "permissions 0644, must be 0600");
 * console.log(err.name, err.reason); // "KeyFileError" "permissions 0644, must be 0600"
 * ```
 */
export class KeyFileError extends ZmqReliableError {
  /** The file concerned, or `""` for a key given in code. */
  readonly path: string;
  /** What is wrong with it. */
  readonly reason: string;
  /**
   * Creates the error.
   *
   * @param path The file concerned, or `""`.
   * @param reason What is wrong, and if possible what to do.
   * @param options Standard error options (`cause`).
   */
  constructor(path: string, reason: string, options?: ErrorOptions) {
    super(path ? `Key file ${path}: ${reason}` : `Key: ${reason}`, options);
    this.name = "KeyFileError";
    this.path = path;
    this.reason = reason;
  }
}

/**
 * An entry of an IP address list (`security.ipAllow`, `security.ipDeny`)
 * is not an IPv4 or IPv6 address or CIDR range: `index` and `entry` say
 * which, `reason` what is wrong. Entries are parsed strictly: no leading
 * zeros in IPv4 numbers, no zone index, no bits set after the prefix
 * (`10.0.0.1/8` is refused; the range is `10.0.0.0/8`).
 *
 * @example
 * ```ts
 * import { AddressListError, MajordomoBroker } from "@reliable/zmq";
 * try {
 *   await MajordomoBroker.bind("tcp://127.0.0.1:*", {
 *     security: { ipAllow: ["10.0.0.0/8", "10.1.2.3/33"] },
 *   });
 * } catch (e) {
 *   console.log(e instanceof AddressListError, (e as AddressListError).index); // true 1
 * }
 * ```
 */
export class AddressListError extends ZmqReliableError {
  /** The list, e.g. `"MajordomoBroker.bind() security.ipAllow"`. */
  readonly list: string;
  /** The position of the bad entry in the list. */
  readonly index: number;
  /** The bad entry. */
  readonly entry: string;
  /** What is wrong with it. */
  readonly reason: string;
  /**
   * Creates the error.
   *
   * @param list The list's name, for the message.
   * @param index The entry's position.
   * @param entry The entry.
   * @param reason What is wrong.
   */
  constructor(list: string, index: number, entry: string, reason: string) {
    super(
      `${list}[${index}]: ${
        JSON.stringify(entry)
      } is not an IP address or CIDR range: ${reason}`,
    );
    this.name = "AddressListError";
    this.list = list;
    this.index = index;
    this.entry = entry;
    this.reason = reason;
  }
}
