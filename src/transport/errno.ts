/**
 * libzmq errno values and their mapping to the typed errors of `errors.ts`.
 * @module
 */
import { limitError } from "./fd_limit.ts";
import {
  AddressInUseError,
  HostUnreachableError,
  SocketStateError,
  ZmqError,
} from "../errors.ts";

const ZMQ_HAUSNUMERO = 156384712;

/** errno values the transport handles by name. @internal */
export const Errno = {
  ENOENT: 2,
  EINTR: 4,
  EAGAIN: 11,
  ENODEV: 19,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  ENOTSOCK: 88,
  EMSGSIZE: 90,
  EPROTONOSUPPORT: 93,
  ENOTSUP: 95,
  EADDRINUSE: 98,
  EADDRNOTAVAIL: 99,
  ENETDOWN: 100,
  ECONNREFUSED: 111,
  EHOSTUNREACH: 113,
  EFSM: ZMQ_HAUSNUMERO + 51,
  ENOCOMPATPROTO: ZMQ_HAUSNUMERO + 52,
  ETERM: ZMQ_HAUSNUMERO + 53,
  EMTHREAD: ZMQ_HAUSNUMERO + 54,
} as const;

const NAMES = new Map<number, string>(
  Object.entries(Errno).map(([k, v]) => [v, k]),
);

/** The errno's name, e.g. `"EAGAIN"`. @internal */
export function errnoName(errno: number): string {
  return NAMES.get(errno) ?? `E${errno}`;
}

/** Wraps an errno in the most specific typed error. @internal */
export function mapZmqError(
  operation: string,
  errno: number,
  detail: string,
): ZmqError {
  switch (errno) {
    case Errno.EHOSTUNREACH:
      return new HostUnreachableError(operation, detail);
    case Errno.EADDRINUSE:
      return new AddressInUseError(operation, detail);
    case Errno.EFSM:
      return new SocketStateError(operation, detail);
    case Errno.EMFILE:
    case Errno.ENFILE:
      return limitError(`complete ${operation}`);
    default:
      return new ZmqError(operation, errno, errnoName(errno), detail);
  }
}
