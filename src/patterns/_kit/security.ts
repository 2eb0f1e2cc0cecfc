/**
 * The `security` option of a pattern with one server socket, or of a
 * client: read, checked against `socketOptions`, and (server side) its ZAP
 * policy registered. One place, so that every pattern reads it alike.
 *
 * @module
 */
import type { Clock } from "../../_util/clock.ts";
import type { Logger } from "../../_util/logger.ts";
import type { SocketOptions } from "../../transport/mod.ts";
import {
  openServerSecurity,
  readClientSecurity,
  readServerSecurity,
  refuseSecurityOverrides,
  type ServerSecurityHandle,
} from "../../security/settings.ts";

/**
 * A server's `security`: `undefined` when not given, else the handle whose
 * `options` go on the socket and whose `registration` is released after
 * the socket is closed.
 * @throws {TypeError} On a malformed value, or `socketOptions` that set
 *   security options next to it.
 */
export function serverSecurity(
  owner: string,
  security: unknown,
  socketOptions: unknown,
  logger: Logger,
  clock?: Clock,
): ServerSecurityHandle | undefined {
  const plan = readServerSecurity(`${owner} security`, security);
  if (plan === undefined) return undefined;
  refuseSecurityOverrides(owner, socketOptions);
  return openServerSecurity(plan, logger, clock);
}

/**
 * A client's `security` as socket options (`{}` when not given).
 * @throws {TypeError} On a malformed value, or `socketOptions` that set
 *   security options next to it.
 */
export function clientSecurity(
  owner: string,
  security: unknown,
  socketOptions: unknown,
): SocketOptions {
  const sec = readClientSecurity(`${owner} security`, security);
  if (sec === undefined) return {};
  refuseSecurityOverrides(owner, socketOptions);
  return sec;
}
