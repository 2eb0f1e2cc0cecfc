/**
 * Binding and connecting: every endpoint is checked by the library's one
 * validator (`src/_util/endpoint.ts`) before libzmq sees it; an IPv6 address
 * in brackets turns on `ZMQ_IPV6` for that call; and libzmq's errno for an
 * endpoint it cannot use becomes an {@linkcode EndpointError} that names
 * the endpoint and the host.
 *
 * @module
 */
import { EndpointError, type ZmqError } from "../errors.ts";
import { type ParsedEndpoint, parseEndpoint } from "../_util/endpoint.ts";
import { Errno, errnoName } from "./errno.ts";
import { cstr, lastError, lib } from "./libzmq.ts";
import { getIntOption, setIntOption, ZMQ_IPV6 } from "./options.ts";

type Op = "bind" | "unbind" | "connect" | "disconnect";

/** Calls libzmq with `ZMQ_IPV6` on for an IPv6 endpoint, restored after. */
function call(
  h: Deno.PointerObject,
  ep: ParsedEndpoint,
  fn: (h: Deno.PointerObject, endpoint: Uint8Array) => number,
): number {
  const flip = ep.ipv6 && getIntOption(h, ZMQ_IPV6) === 0;
  if (flip) setIntOption(h, ZMQ_IPV6, 1);
  try {
    const bytes = cstr(ep.endpoint);
    // libzmq processes its command mailbox first and returns EINTR, having
    // done nothing, when a signal interrupts that wait: retry.
    for (;;) {
      const rc = fn(h, bytes);
      if (rc === 0 || lib().zmq.zmq_errno() !== EINTR) return rc;
    }
  } finally {
    if (flip) setIntOption(h, ZMQ_IPV6, 0);
  }
}

const EINTR = 4;

/** The typed error for a failed bind/connect of `ep`. */
function endpointError(op: Op, given: string, ep: ParsedEndpoint): ZmqError {
  const err = lastError(op, given);
  if (ep.transport === "tcp" && (op === "bind" || op === "connect")) {
    const host = JSON.stringify(ep.address);
    if (err.errno === Errno.ENODEV) {
      return new EndpointError(
        op,
        err.errno,
        errnoName(err.errno),
        given,
        op === "bind"
          ? `host ${host} is not a local interface, an address or a name that resolves`
          : `host ${host} does not resolve`,
        { cause: err },
      );
    }
    if (err.errno === Errno.EADDRNOTAVAIL && op === "bind") {
      return new EndpointError(
        op,
        err.errno,
        errnoName(err.errno),
        given,
        `${host} is not an address of this machine`,
        { cause: err },
      );
    }
  }
  return err;
}

/**
 * Binds a socket.
 * @param h The socket handle.
 * @param owner The method, for messages (`"RouterSocket.bind()"`).
 * @param endpoint The endpoint as given.
 * @throws {TypeError} When it is malformed.
 * @throws {RangeError} When a port or path is out of range.
 * @throws {EndpointError} When the host is unknown or not local.
 * @throws {AddressInUseError} When the address is taken.
 * @internal
 */
export function bindTo(
  h: Deno.PointerObject,
  owner: string,
  endpoint: unknown,
): void {
  const ep = parseEndpoint(owner, endpoint, "bind");
  if (call(h, ep, lib().zmq.zmq_bind) !== 0) {
    throw endpointError("bind", endpoint as string, ep);
  }
}

/**
 * Connects a socket (libzmq connects and reconnects in the background).
 * @param h The socket handle.
 * @param owner The method, for messages.
 * @param endpoint The endpoint as given.
 * @throws {TypeError} When it is malformed.
 * @throws {RangeError} When a port or path is out of range.
 * @throws {ZmqError} When libzmq refuses it.
 * @internal
 */
export function connectTo(
  h: Deno.PointerObject,
  owner: string,
  endpoint: unknown,
): void {
  const ep = parseEndpoint(owner, endpoint, "connect");
  if (call(h, ep, lib().zmq.zmq_connect) !== 0) {
    throw endpointError("connect", endpoint as string, ep);
  }
}

/**
 * Undoes a bind (`unbind`) or a connect (`disconnect`).
 * @param h The socket handle.
 * @param owner The method, for messages.
 * @param op Which.
 * @param endpoint The endpoint as bound or connected.
 * @throws {TypeError} When it is malformed.
 * @throws {ZmqError} When the socket is not bound or connected to it.
 * @internal
 */
export function detachFrom(
  h: Deno.PointerObject,
  owner: string,
  op: "unbind" | "disconnect",
  endpoint: unknown,
): void {
  const ep = parseEndpoint(
    owner,
    endpoint,
    op === "unbind" ? "bind" : "connect",
  );
  const fn = op === "unbind" ? lib().zmq.zmq_unbind : lib().zmq.zmq_disconnect;
  if (call(h, ep, fn) !== 0) {
    throw endpointError(op, endpoint as string, ep);
  }
}
