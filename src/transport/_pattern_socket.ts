/**
 * Sockets for patterns, from one place. Every pattern class accepts
 * `socketOptions` ({@linkcode SocketOptions}) and applies them to every socket
 * it creates, together with the options the pattern needs itself:
 *
 * - at construction, {@linkcode checkSocketOptions} checks the user's
 *   `socketOptions` (unknown keys, types and ranges, without touching
 *   libzmq) and refuses those the pattern sets itself, saying why;
 * - whenever the pattern needs a socket, {@linkcode openSocket} creates one
 *   of a kind with the pattern's `defaults`, then the user's options, then
 *   the pattern's `fixed` options (which win, and which the user may not
 *   set).
 *
 * Security settings (CURVE keys per role, a ZAP domain) will come as
 * pattern options that map to socket options; they go into `fixed` (or a
 * further layer here), so a user's `socketOptions` cannot weaken them.
 *
 * Private: patterns import this file directly; it is not exported.
 *
 * @example A worker's DEALER
 * ```ts
 * import { checkSocketOptions, openSocket, type SocketPlan } from "./_pattern_socket.ts";
 * const plan: SocketPlan<"DEALER"> = {
 *   kind: "DEALER",
 *   fixed: { routingId: { value: "worker-1", why: "it is the worker's identity (use the identity option)" } },
 *   defaults: { lingerMs: 0 },
 * };
 * const user = checkSocketOptions("MyWorker.connect()", { sendHighWaterMark: 100 }, plan);
 * const socket = openSocket("MyWorker.connect()", plan, user);
 * console.log(new TextDecoder().decode(socket.routingId)); // "worker-1"
 * socket.close();
 * ```
 *
 * @module
 */
import {
  encodeOptions,
  type RouterSocketOptions,
  type SocketOptions,
} from "./options.ts";
import {
  DealerSocket,
  PairSocket,
  RepSocket,
  ReqSocket,
  RouterSocket,
} from "./sockets.ts";

/** The kinds of socket a pattern may open. */
export type PatternSocketKind = "DEALER" | "ROUTER" | "REQ" | "REP" | "PAIR";

/** The class of each kind. */
export type SocketOf<K extends PatternSocketKind> = K extends "DEALER"
  ? DealerSocket
  : K extends "ROUTER" ? RouterSocket
  : K extends "REQ" ? ReqSocket
  : K extends "REP" ? RepSocket
  : PairSocket;

/** Options a pattern sets itself, each with why a user may not change it. */
export type FixedOptions = {
  [N in keyof RouterSocketOptions]?: {
    /** The value the pattern needs. */
    value: RouterSocketOptions[N];
    /** Why, for the message refusing a user's value. */
    why: string;
  };
};

/** How a pattern makes one of its sockets. */
export interface SocketPlan<K extends PatternSocketKind> {
  /** The socket's kind. */
  kind: K;
  /** Options the pattern needs; a user's `socketOptions` may not set them. */
  fixed?: FixedOptions;
  /** Options the pattern prefers; a user's `socketOptions` override them. */
  defaults?: K extends "ROUTER" ? RouterSocketOptions : SocketOptions;
}

function refuse(owner: string, name: string, why: string): TypeError {
  return new TypeError(
    `${owner}: socketOptions.${name} cannot be set: ${why}`,
  );
}

/**
 * Checks a pattern's `socketOptions` at construction: an object of known
 * socket options with valid values, none of them one the pattern sets
 * itself in any of its plans.
 *
 * @param owner The class or method, for messages (`"MajordomoWorker.connect()"`).
 * @param value The `socketOptions` given (`undefined` for none).
 * @param plans The plans of every socket the pattern will open.
 * @returns A frozen copy, to pass to {@linkcode openSocket}.
 * @throws {TypeError} On a non-object, an unknown key (the message lists
 *   the known ones), a wrong type, or an option the pattern sets itself
 *   (the message says why).
 * @throws {RangeError} On a value out of range.
 */
export function checkSocketOptions(
  owner: string,
  value: unknown,
  ...plans: SocketPlan<PatternSocketKind>[]
): Readonly<SocketOptions> {
  encodeOptions(`${owner} socketOptions`, value, false);
  const user = (value ?? {}) as SocketOptions;
  for (const plan of plans) {
    for (const [name, fixed] of Object.entries(plan.fixed ?? {})) {
      if ((user as Record<string, unknown>)[name] !== undefined && fixed) {
        throw refuse(owner, name, fixed.why);
      }
    }
  }
  return Object.freeze({ ...user });
}

/**
 * Creates a socket for a pattern: the plan's `defaults`, then the user's
 * `socketOptions`, then the plan's `fixed` options.
 *
 * @param owner The class or method, for messages.
 * @param plan The socket's kind and the pattern's options.
 * @param user The user's options, as returned by {@linkcode checkSocketOptions}.
 * @returns The socket, of the plan's kind.
 * @throws {TypeError} When `user` sets an option the plan fixes.
 * @throws {RangeError} When libzmq refuses a value.
 */
export function openSocket<K extends PatternSocketKind>(
  owner: string,
  plan: SocketPlan<K>,
  user: Readonly<SocketOptions> = {},
): SocketOf<K> {
  const options: Record<string, unknown> = { ...plan.defaults };
  for (const [name, v] of Object.entries(user)) {
    if (v !== undefined) options[name] = v;
  }
  for (const [name, fixed] of Object.entries(plan.fixed ?? {})) {
    if (!fixed) continue;
    if ((user as Record<string, unknown>)[name] !== undefined) {
      throw refuse(owner, name, fixed.why);
    }
    options[name] = fixed.value;
  }
  switch (plan.kind) {
    case "DEALER":
      return new DealerSocket(options) as SocketOf<K>;
    case "ROUTER":
      return new RouterSocket(options) as SocketOf<K>;
    case "REQ":
      return new ReqSocket(options) as SocketOf<K>;
    case "REP":
      return new RepSocket(options) as SocketOf<K>;
    default:
      return new PairSocket(options) as SocketOf<K>;
  }
}
