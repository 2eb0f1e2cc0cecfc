/**
 * The `security` option every pattern takes: what a server socket admits
 * (CURVE with an allow-list, PLAIN with users, NULL with address lists) and
 * how a client socket proves itself (CURVE with the server's key, PLAIN),
 * turned into socket options and a ZAP policy.
 *
 * @module
 */
import { KeyFileError } from "../errors.ts";
import type { SocketOptions } from "../transport/mod.ts";
import { curveKeyPair, curvePublicKey } from "../transport/mod.ts";
import type { Logger } from "../_util/logger.ts";
import type { Clock } from "../_util/clock.ts";
import {
  checkKey,
  loadAllowedKeysSync,
  loadKeyFileSync,
  loadKeyPairSync,
} from "./keys.ts";
import type { ZapCounters, ZapDecision, ZapPolicy } from "./_zap_core.ts";
import { AddressList } from "./_address.ts";
import { registerZapPolicy, type ZapRegistration } from "./zap.ts";

/**
 * Who is admitted: `"any"` (every key or user; say so explicitly), a list
 * (CURVE public keys in Z85; PLAIN user names where a list of identities
 * is asked for), or `{ dir }`, a directory of public key files read at
 * start (see `loadAllowedKeys`).
 */
export type AllowList = "any" | readonly string[] | { dir: string };

/** CURVE on a server socket. */
export interface CurveServerSecurity {
  /** The server's secret key (Z85). Give this or `secretFile`. */
  secretKey?: string;
  /** The server's public key; derived from the secret key when absent. */
  publicKey?: string;
  /** A secret key file (`NAME_secret`, 0600) instead of `secretKey`. */
  secretFile?: string;
  /** The client keys admitted (required: `"any"` must be said). */
  allow: AllowList;
}

/** PLAIN on a server socket (clear text: only on a trusted network). */
export interface PlainServerSecurity {
  /** Users and passwords, or a file of `user=password` lines (`#` comments). */
  users: Readonly<Record<string, string>> | { file: string };
}

/**
 * What a server socket (broker, queue, server) admits. With neither `curve`
 * nor `plain`, connections are NULL (unencrypted) and only the address
 * lists apply.
 */
export interface ServerSecurity {
  /** CURVE: encryption, and client keys checked against `allow`. */
  curve?: CurveServerSecurity;
  /** PLAIN: user and password, in clear. */
  plain?: PlainServerSecurity;
  /**
   * Peer IP addresses admitted, exact (`10.0.0.5`, `::1`) or CIDR ranges
   * (`10.0.0.0/8`, `fd00::/8`); when given, every other address is
   * refused. An IPv4 entry also matches the peer's IPv4-mapped IPv6 form
   * (`::ffff:10.0.0.5`). A malformed entry throws `AddressListError`.
   */
  ipAllow?: readonly string[];
  /** Peer IP addresses or CIDR ranges refused (when `ipAllow` is not given). */
  ipDeny?: readonly string[];
  /** The ZAP domain. @default a unique one per socket */
  domain?: string;
}

/** CURVE on a client socket. */
export interface CurveClientSecurity {
  /** The server's public key (Z85). Give this or `serverKeyFile`. */
  serverKey?: string;
  /** A file with the server's public key instead of `serverKey`. */
  serverKeyFile?: string;
  /** This client's public key. @default a new key pair per instance (with `secretKey`) */
  publicKey?: string;
  /** This client's secret key. @default a new key pair per instance */
  secretKey?: string;
  /** This client's secret key file instead of `publicKey` and `secretKey`. */
  secretFile?: string;
}

/** PLAIN on a client socket. */
export interface PlainClientSecurity {
  /** The user name. */
  username: string;
  /** The password. */
  password: string;
}

/** How a client (or worker) socket proves itself to a secure server. */
export interface ClientSecurity {
  /** CURVE: the server's key, and this client's key pair. */
  curve?: CurveClientSecurity;
  /** PLAIN: user and password. */
  plain?: PlainClientSecurity;
}

/** Admissions and refusals of one secure server socket. */
export interface SecurityStats {
  /** `"CURVE"`, `"PLAIN"` or `"NULL"`. */
  mechanism: "CURVE" | "PLAIN" | "NULL";
  /** The server's public key (CURVE), for clients to use. */
  publicKey?: string;
  /** The ZAP domain. */
  domain: string;
  /** Connections admitted and refused, by reason. */
  counters: ZapCounters;
}

/** The socket options `security` sets (and `socketOptions` may then not). @internal */
export const SECURITY_OPTION_NAMES: readonly (keyof SocketOptions)[] = [
  "curveServer",
  "curvePublicKey",
  "curveSecretKey",
  "curveServerKey",
  "plainServer",
  "plainUsername",
  "plainPassword",
  "zapDomain",
  "zapEnforceDomain",
];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function onlyKeys(owner: string, v: Record<string, unknown>, keys: string[]) {
  for (const k of Object.keys(v)) {
    if (!keys.includes(k)) {
      throw new TypeError(
        `${owner}: unknown option "${k}" (known: ${keys.join(", ")})`,
      );
    }
  }
}

/**
 * Reads an allow-list (loading a directory now).
 * @param owner For messages.
 * @param value The `allow` value.
 * @returns The set of identities, or `"any"`.
 * @throws {TypeError} On a bad type.
 * @throws {KeyFileError} On a bad key or a bad directory.
 * @internal
 */
export function readAllowList(
  owner: string,
  value: unknown,
  keys = true,
): ReadonlySet<string> | "any" {
  if (value === "any") return "any";
  if (isObject(value) && typeof value.dir === "string") {
    return new Set(loadAllowedKeysSync(value.dir));
  }
  if (Array.isArray(value) && value.every((k) => typeof k === "string")) {
    if (keys) value.forEach((k, i) => checkKey(`${owner}[${i}]`, k));
    return new Set(value);
  }
  throw new TypeError(
    `${owner} must be "any", an array of ${
      keys ? "Z85 public keys" : "identities"
    } or { dir: "path" }, got ${
      value === undefined
        ? 'nothing (say "any" to admit every key)'
        : typeof value
    }`,
  );
}

function readUsers(owner: string, value: unknown): Map<string, string> {
  if (isObject(value) && typeof value.file === "string") {
    let text: string;
    try {
      text = Deno.readTextFileSync(value.file);
    } catch (e) {
      throw new KeyFileError(
        value.file,
        `cannot be read: ${(e as Error).message}`,
        {
          cause: e,
        },
      );
    }
    const users = new Map<string, string>();
    text.split(/\r?\n/).forEach((line, i) => {
      if (line.trim() === "" || line.trimStart().startsWith("#")) return;
      const eq = line.indexOf("=");
      if (eq <= 0) {
        throw new KeyFileError(
          value.file as string,
          `line ${i + 1} is not user=password`,
        );
      }
      users.set(line.slice(0, eq).trim(), line.slice(eq + 1));
    });
    return users;
  }
  if (isObject(value)) {
    const users = new Map<string, string>();
    for (const [u, p] of Object.entries(value)) {
      if (typeof p !== "string") {
        throw new TypeError(`${owner}.${u} must be a string password`);
      }
      users.set(u, p);
    }
    return users;
  }
  throw new TypeError(
    `${owner} must be an object of user: password, or { file: "path" }`,
  );
}

function addressList(owner: string, value: unknown): AddressList {
  if (value === undefined) return new AddressList(owner, []);
  if (!Array.isArray(value) || !value.every((a) => typeof a === "string")) {
    throw new TypeError(
      `${owner} must be an array of IP addresses or CIDR ranges`,
    );
  }
  return new AddressList(owner, value);
}

/** A server's security, checked and loaded, ready to open sockets with. @internal */
export interface ServerSecurityPlan {
  /** The mechanism. */
  mechanism: "CURVE" | "PLAIN" | "NULL";
  /** The ZAP policy. */
  policy: ZapPolicy;
  /** Socket options (without the ZAP domain). */
  options: SocketOptions;
  /** A fixed ZAP domain, if given. */
  domain?: string;
  /** The server's public key (CURVE). */
  publicKey?: string;
  /** The option's owner, for messages (and to read it again). */
  owner: string;
  /** The option as given, read again by a reload. */
  source: unknown;
}

/**
 * Checks and loads a server's `security` option (key files and allow-list
 * directories are read now).
 * @param owner For messages, e.g. `"MajordomoBroker.bind() security"`.
 * @param value The option (`undefined`: no security).
 * @returns The plan, or `undefined`.
 * @throws {TypeError} On a bad shape or type.
 * @throws {AddressListError} On a malformed `ipAllow` or `ipDeny` entry.
 * @throws {KeyFileError} On a bad key, key file or directory.
 * @internal
 */
export function readServerSecurity(
  owner: string,
  value: unknown,
): ServerSecurityPlan | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) throw new TypeError(`${owner} must be an object`);
  onlyKeys(owner, value, ["curve", "plain", "ipAllow", "ipDeny", "domain"]);
  if (value.curve !== undefined && value.plain !== undefined) {
    throw new TypeError(`${owner}: give curve or plain, not both`);
  }
  if (value.domain !== undefined && typeof value.domain !== "string") {
    throw new TypeError(`${owner}.domain must be a string`);
  }
  const policy: ZapPolicy = {
    ipAllow: addressList(`${owner}.ipAllow`, value.ipAllow),
    ipDeny: addressList(`${owner}.ipDeny`, value.ipDeny),
  };
  const domain = value.domain as string | undefined;
  if (value.curve !== undefined) {
    const c = value.curve;
    const o = `${owner}.curve`;
    if (!isObject(c)) throw new TypeError(`${o} must be an object`);
    onlyKeys(o, c, ["secretKey", "publicKey", "secretFile", "allow"]);
    let secretKey: string;
    let publicKey: string;
    if (c.secretFile !== undefined) {
      if (c.secretKey !== undefined) {
        throw new TypeError(`${o}: give secretKey or secretFile, not both`);
      }
      if (typeof c.secretFile !== "string") {
        throw new TypeError(`${o}.secretFile must be a path`);
      }
      ({ secretKey, publicKey } = loadKeyPairSync(c.secretFile));
    } else {
      secretKey = checkKey(`${o}.secretKey`, c.secretKey);
      publicKey = curvePublicKey(secretKey);
    }
    if (c.publicKey !== undefined && c.publicKey !== publicKey) {
      throw new KeyFileError(
        "",
        `${o}.publicKey does not match the secret key`,
      );
    }
    policy.curve = readAllowList(`${o}.allow`, c.allow);
    return {
      mechanism: "CURVE",
      policy,
      domain,
      publicKey,
      owner,
      source: value,
      options: {
        curveServer: true,
        curveSecretKey: secretKey,
        curvePublicKey: publicKey,
      },
    };
  }
  if (value.plain !== undefined) {
    const p = value.plain;
    const o = `${owner}.plain`;
    if (!isObject(p)) throw new TypeError(`${o} must be an object`);
    onlyKeys(o, p, ["users"]);
    policy.plain = readUsers(`${o}.users`, p.users);
    return {
      mechanism: "PLAIN",
      policy,
      domain,
      options: { plainServer: true },
      owner,
      source: value,
    };
  }
  return {
    mechanism: "NULL",
    policy,
    domain,
    options: {},
    owner,
    source: value,
  };
}

/** A server socket's security, registered with the ZAP handler. @internal */
export interface ServerSecurityHandle {
  /** Options for the socket (keys, ZAP domain, domain enforced). */
  options: SocketOptions;
  /** The registration (release after the socket is closed). */
  registration: ZapRegistration;
  /** The plan; its `policy` is the one in force (a reload replaces it). */
  readonly plan: ServerSecurityPlan;
  /** Puts a new policy in force (the next handshakes are decided by it). */
  update(policy: ZapPolicy): void;
  /** For `securityStats`. */
  stats(): SecurityStats;
}

/**
 * Changes to one list of admitted identities (CURVE keys or PLAIN users)
 * made by a reload.
 *
 * @example
 * ```ts
 * import type { SecurityListChange } from "@reliable/zmq/security";
 * const c: SecurityListChange = { added: 1, removed: 2, admitted: 7 };
 * console.log(c.admitted); // 7
 * ```
 */
export interface SecurityListChange {
  /** Identities admitted now and not before. */
  added: number;
  /** Identities admitted before and not now (refused at their next handshake). */
  removed: number;
  /** Identities admitted now; `"any"` when every key is. */
  admitted: number | "any";
}

/**
 * What reloading a server's security did: the allow-list directories (and
 * a PLAIN users file) read again. When reading failed (`ok` false), the
 * lists in force stay as they were and `error` says why.
 *
 * @example
 * ```ts
 * import type { SecurityReload } from "@reliable/zmq/security";
 * const r: SecurityReload = {
 *   ok: true,
 *   clients: { added: 1, removed: 0, admitted: 3 },
 * };
 * console.log(r.ok ? `+${r.clients.added} -${r.clients.removed}` : r.error); // "+1 -0"
 * ```
 */
export interface SecurityReload {
  /** Whether the lists were read and put in force. */
  ok: boolean;
  /** Why not (the old lists stay in force). */
  error?: string;
  /** The client list (the server's `security` allow-list). */
  clients: SecurityListChange;
  /** The worker list (a broker's `workerSecurity`, a queue's backend), when there is one. */
  workers?: SecurityListChange;
}

/**
 * The identities a policy admits: its CURVE keys, or its PLAIN users.
 * @internal
 */
export function admittedIdentities(
  policy: ZapPolicy,
): ReadonlySet<string> | "any" | undefined {
  if (policy.curve !== undefined) return policy.curve;
  if (policy.plain !== undefined) return new Set(policy.plain.keys());
  return undefined;
}

/**
 * Compares two lists of admitted identities.
 * @internal
 */
export function listChange(
  before: ReadonlySet<string> | "any" | undefined,
  after: ReadonlySet<string> | "any" | undefined,
): SecurityListChange {
  const size = (x: typeof before) =>
    x === "any" ? "any" as const : x?.size ?? 0;
  if (before === "any" || after === "any" || !before || !after) {
    const b = before === "any" || !before ? 0 : before.size;
    const a = after === "any" || !after ? 0 : after.size;
    return {
      added: before === after ? 0 : a,
      removed: before === after ? 0 : b,
      admitted: size(after),
    };
  }
  let added = 0;
  let removed = 0;
  for (const k of after) if (!before.has(k)) added++;
  for (const k of before) if (!after.has(k)) removed++;
  return { added, removed, admitted: size(after) };
}

/**
 * Reads a plan's option again (allow-list directories, a users file),
 * returning the new policy; the address lists and keys are read again too.
 * @param plan The plan in force.
 * @returns The new policy.
 * @throws {KeyFileError} When a directory or file became invalid.
 * @internal
 */
export function rereadPolicy(plan: ServerSecurityPlan): ZapPolicy {
  const fresh = readServerSecurity(plan.owner, plan.source)!;
  return fresh.policy;
}

/**
 * Reloads one server socket's security (a socket without a separate
 * worker list): reads its lists again and puts them in force, or keeps the
 * old ones and logs an error.
 * @param handle The socket's security.
 * @param logger Where the outcome is logged.
 * @param label What the list is, for the log (`"frontend"`).
 * @returns What changed.
 * @internal
 */
export function reloadHandle(
  handle: ServerSecurityHandle,
  logger: Logger,
  label: string,
): SecurityReload {
  const before = admittedIdentities(handle.plan.policy);
  let policy: ZapPolicy;
  try {
    policy = rereadPolicy(handle.plan);
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    logger.error(
      `security reload failed (${label}): keeping the lists in force`,
      { error },
    );
    return { ok: false, error, clients: listChange(before, before) };
  }
  handle.update(policy);
  const clients = listChange(before, admittedIdentities(policy));
  logger.info(`security reloaded (${label})`, { ...clients });
  return { ok: true, clients };
}

/**
 * Registers a plan's policy with the ZAP handler (starting it if needed)
 * and returns the socket options to create the server socket with. Call
 * `registration.release()` after closing the socket.
 * @param plan From {@linkcode readServerSecurity}.
 * @param logger Where refusals are logged.
 * @param clock The rate limiter's clock.
 * @param onDecision Called with each decision.
 * @returns The options and the registration.
 * @internal
 */
export function openServerSecurity(
  plan: ServerSecurityPlan,
  logger: Logger,
  clock?: Clock,
  onDecision?: (d: ZapDecision) => void,
): ServerSecurityHandle {
  const registration = registerZapPolicy(plan.policy, {
    domain: plan.domain,
    logger,
    clock,
    onDecision,
  });
  return {
    options: {
      ...plan.options,
      zapDomain: registration.domain,
      zapEnforceDomain: true,
    },
    registration,
    plan,
    update(policy: ZapPolicy) {
      plan.policy = policy;
      registration.update(policy);
    },
    stats: () => ({
      mechanism: plan.mechanism,
      ...(plan.publicKey ? { publicKey: plan.publicKey } : {}),
      domain: registration.domain,
      counters: structuredClone(registration.counters),
    }),
  };
}

/**
 * Checks a client's `security` option and returns the socket options it
 * sets (a CURVE client without a key pair gets a new one, kept for the
 * instance).
 * @param owner For messages.
 * @param value The option (`undefined`: none).
 * @returns Socket options, or `undefined`.
 * @throws {TypeError} On a bad shape or type.
 * @throws {KeyFileError} On a bad key or key file.
 * @internal
 */
export function readClientSecurity(
  owner: string,
  value: unknown,
): SocketOptions | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) throw new TypeError(`${owner} must be an object`);
  onlyKeys(owner, value, ["curve", "plain"]);
  if ((value.curve === undefined) === (value.plain === undefined)) {
    throw new TypeError(`${owner}: give curve or plain (one of them)`);
  }
  if (value.plain !== undefined) {
    const p = value.plain;
    const o = `${owner}.plain`;
    if (!isObject(p)) throw new TypeError(`${o} must be an object`);
    onlyKeys(o, p, ["username", "password"]);
    if (typeof p.username !== "string" || typeof p.password !== "string") {
      throw new TypeError(`${o} needs a username and a password (strings)`);
    }
    return { plainUsername: p.username, plainPassword: p.password };
  }
  const c = value.curve;
  const o = `${owner}.curve`;
  if (!isObject(c)) throw new TypeError(`${o} must be an object`);
  onlyKeys(o, c, [
    "serverKey",
    "serverKeyFile",
    "publicKey",
    "secretKey",
    "secretFile",
  ]);
  let serverKey: string;
  if (c.serverKeyFile !== undefined) {
    if (typeof c.serverKeyFile !== "string") {
      throw new TypeError(`${o}.serverKeyFile must be a path`);
    }
    serverKey = loadKeyFileSync(c.serverKeyFile).publicKey;
  } else serverKey = checkKey(`${o}.serverKey`, c.serverKey);
  let pair: { publicKey: string; secretKey: string };
  if (c.secretFile !== undefined) {
    if (typeof c.secretFile !== "string") {
      throw new TypeError(`${o}.secretFile must be a path`);
    }
    pair = loadKeyPairSync(c.secretFile);
  } else if (c.secretKey !== undefined) {
    const secretKey = checkKey(`${o}.secretKey`, c.secretKey);
    const publicKey = curvePublicKey(secretKey);
    if (c.publicKey !== undefined && c.publicKey !== publicKey) {
      throw new KeyFileError("", `${o}.publicKey does not match secretKey`);
    }
    pair = { publicKey, secretKey };
  } else if (c.publicKey !== undefined) {
    throw new TypeError(`${o}: publicKey needs its secretKey`);
  } else pair = curveKeyPair();
  return {
    curveServerKey: serverKey,
    curvePublicKey: pair.publicKey,
    curveSecretKey: pair.secretKey,
  };
}

/**
 * Refuses `socketOptions` that set what `security` sets.
 * @param owner For messages.
 * @param socketOptions The user's socket options.
 * @throws {TypeError} When one of them is a security option.
 * @internal
 */
export function refuseSecurityOverrides(
  owner: string,
  socketOptions: unknown,
): void {
  if (!isObject(socketOptions)) return;
  for (const name of SECURITY_OPTION_NAMES) {
    if (socketOptions[name] !== undefined) {
      throw new TypeError(
        `${owner}: socketOptions.${name} cannot be set together with security (security sets it)`,
      );
    }
  }
}
