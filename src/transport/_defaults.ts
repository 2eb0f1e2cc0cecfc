/**
 * Option values every socket starts with where ours differ from libzmq's,
 * and why. Applied before the caller's options, which override them.
 *
 * - `ZMQ_LINGER` 0 (libzmq: forever): closing never holds the process.
 * - `ZMQ_BACKLOG` 65535 (libzmq: 100): the listen queue of a bound socket.
 *   The kernel clamps it to `net.core.somaxconn` (4096 by default since Linux
 *   5.4), so raising that sysctl is all a large server needs. A short queue
 *   makes a burst of connections (10,000 clients starting, or reconnecting
 *   after a restart) overflow it; each dropped SYN is retried only after 1 s,
 *   then 3 s, 7 s, 15 s, which is longer than most clients wait for a reply.
 * - TCP keepalive on, first probe after 60 s idle, then every 10 s, 6 probes
 *   (libzmq: the system's, usually off or 2 hours): a peer whose host,
 *   network or NAT entry vanished without a FIN or RST is noticed within
 *   about 2 minutes of silence, and its connection and everything queued for
 *   it are freed. The kernel does the probing; an active connection costs
 *   nothing, an idle one a 54-byte probe a minute.
 * - `ZMQ_TCP_MAXRT` (TCP_USER_TIMEOUT) 120 s (system: about 15 minutes of
 *   retransmissions): a connection whose sent data stays unacknowledged that
 *   long is dropped, so a dead peer with messages queued for it (where
 *   keepalive does not apply) is freed too.
 *
 * A stuck peer process (alive but not reading) is not a dead connection: the
 * kernel keeps acknowledging, and what can queue for it is bounded by the
 * high-water marks instead. ZMTP heartbeats (`heartbeatIntervalMs`) detect it
 * when that matters; they are off by default because they cost a message
 * each way per interval and connection.
 *
 * @module
 */

/** `[ZMQ option id, value]` pairs. @internal */
export const SOCKET_DEFAULTS: readonly (readonly [number, number])[] = [
  [17, 0], // ZMQ_LINGER
  [19, 65535], // ZMQ_BACKLOG
  [34, 1], // ZMQ_TCP_KEEPALIVE
  [36, 60], // ZMQ_TCP_KEEPALIVE_IDLE, s
  [37, 10], // ZMQ_TCP_KEEPALIVE_INTVL, s
  [35, 6], // ZMQ_TCP_KEEPALIVE_CNT
  [80, 120000], // ZMQ_TCP_MAXRT, ms
];

/**
 * libzmq 4.3 adds a random 0-100 % to each reconnect delay only while
 * `ZMQ_RECONNECT_IVL_MAX` is 0; with a maximum set its exponential backoff is
 * exact, so sockets that lost the same peer at the same moment retry in lock
 * step (a thundering herd at every doubling). The transport therefore draws
 * each such socket's base interval at random from [ivl, 2 × ivl), the same
 * spread libzmq uses without a maximum.
 * @internal
 */
export function jitteredReconnectIvl(ivl: number, max: number): number {
  if (max <= 0 || ivl <= 0) return ivl;
  return Math.min(ivl + Math.floor(Math.random() * ivl), 2 ** 31 - 1);
}
