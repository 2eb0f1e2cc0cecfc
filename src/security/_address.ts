/**
 * IP address lists for the ZAP handler (`ipAllow`, `ipDeny`): exact IPv4
 * and IPv6 addresses and CIDR ranges (`10.0.0.0/8`, `fd00::/8`), parsed
 * strictly. Every address is held as 128 bits, an IPv4 address as its
 * IPv4-mapped IPv6 form (`::ffff:a.b.c.d`), so that a peer libzmq reports
 * as `::ffff:127.0.0.1` (an IPv4 peer on an IPv6 socket) matches the IPv4
 * entry `127.0.0.0/8`, and `::/0` matches every peer. Private.
 *
 * @module
 */
import { AddressListError } from "../errors.ts";

/** What the ZAP core asks of an address list (a `Set<string>` fits). @internal */
export interface AddressMatcher {
  /** Entries in the list; 0 means "no list". */
  readonly size: number;
  /** Whether the peer address is in the list. */
  has(address: string): boolean;
}

const MAPPED = 0xffffn << 32n;
const ALL = (1n << 128n) - 1n;

/** A parsed address: 128 bits, and whether it was written as IPv4. */
interface Parsed {
  value: bigint;
  v4: boolean;
}

function parseV4(text: string): bigint | string {
  const parts = text.split(".");
  if (parts.length !== 4) return "an IPv4 address has 4 dot-separated numbers";
  let v = 0n;
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) {
      return `${JSON.stringify(p)} is not a number 0-255 (no leading zeros)`;
    }
    const n = Number(p);
    if (n > 255) return `${p} is over 255`;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

function parseV6(text: string): bigint | string {
  if (text.includes("%")) {
    return "a zone index (%...) is not allowed in a list entry";
  }
  const halves = text.split("::");
  if (halves.length > 2) return `"::" may appear once`;
  const groups = (s: string): string[] | string => {
    if (s === "") return [];
    const g = s.split(":");
    const out: string[] = [];
    for (let i = 0; i < g.length; i++) {
      if (i === g.length - 1 && g[i].includes(".")) {
        const v4 = parseV4(g[i]);
        if (typeof v4 === "string") return `embedded IPv4: ${v4}`;
        out.push(
          ((v4 >> 16n) & 0xffffn).toString(16),
          (v4 & 0xffffn).toString(16),
        );
      } else if (/^[0-9a-fA-F]{1,4}$/.test(g[i])) out.push(g[i]);
      else return `${JSON.stringify(g[i])} is not a group of 1-4 hex digits`;
    }
    return out;
  };
  const head = groups(halves[0]);
  if (typeof head === "string") return head;
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (typeof tail === "string") return tail;
  if (halves.length === 2 && halves[0].includes(".")) {
    return "embedded IPv4 must come last";
  }
  const n = head.length + tail.length;
  if (halves.length === 1 && n !== 8) return `8 groups needed, got ${n}`;
  if (halves.length === 2 && n > 7) {
    return `"::" must stand for a group at least`;
  }
  const all = [...head, ...new Array(8 - n).fill("0"), ...tail];
  let v = 0n;
  for (const g of all) v = (v << 16n) | BigInt(parseInt(g, 16));
  return v;
}

/**
 * Parses one address (no prefix).
 * @returns The address, or why it is not one.
 */
function parseAddress(text: string): Parsed | string {
  if (text.includes(":")) {
    const v = parseV6(text);
    return typeof v === "string" ? v : { value: v, v4: false };
  }
  const v = parseV4(text);
  return typeof v === "string" ? v : { value: MAPPED | v, v4: true };
}

/**
 * A peer address as libzmq reports it (`127.0.0.1`, `::1`,
 * `::ffff:127.0.0.1`, `fe80::1%eth0`) as 128 bits; undefined when it is
 * none (an `ipc://` peer has an empty address).
 * @internal
 */
export function peerAddressBits(address: string): bigint | undefined {
  const zone = address.indexOf("%");
  const bare = zone >= 0 ? address.slice(0, zone) : address;
  const p = parseAddress(bare);
  return typeof p === "string" ? undefined : p.value;
}

/** One range: the first address and the mask. */
interface Range {
  base: bigint;
  mask: bigint;
}

/**
 * Parses one list entry: an address, or an address with a prefix length.
 * @param entry The text.
 * @returns The range, or why it is malformed (the caller wraps it).
 */
function parseEntry(entry: string): Range | string {
  if (entry !== entry.trim() || entry === "") {
    return "empty, or with spaces around it";
  }
  const slash = entry.indexOf("/");
  const addrText = slash < 0 ? entry : entry.slice(0, slash);
  const a = parseAddress(addrText);
  if (typeof a === "string") return a;
  const width = a.v4 ? 32 : 128;
  let prefix = width;
  if (slash >= 0) {
    const p = entry.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > width) {
      return `the prefix length must be a number 0-${width}, got ${
        JSON.stringify(p)
      }`;
    }
    prefix = Number(p);
  }
  // IPv4 lives in the last 32 bits under ::ffff:0:0/96.
  const bits = a.v4 ? 96 + prefix : prefix;
  const mask = bits === 0 ? 0n : (ALL << BigInt(128 - bits)) & ALL;
  if ((a.value & ~mask & ALL) !== 0n) {
    return `host bits set after the /${prefix} prefix (the range starts at ${
      format(a.value & mask, a.v4)
    })`;
  }
  return { base: a.value & mask, mask };
}

function format(v: bigint, v4: boolean): string {
  if (v4) {
    return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 0xffn)).join(".");
  }
  const g: string[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) {
    g.push(((v >> s) & 0xffffn).toString(16));
  }
  return g.join(":");
}

/**
 * A list of addresses and CIDR ranges, checked at construction.
 * @internal
 */
export class AddressList implements AddressMatcher {
  readonly #exact = new Set<bigint>();
  readonly #ranges: Range[] = [];
  /** The entries as given. */
  readonly entries: readonly string[];

  /**
   * @param owner For messages (`"... security.ipAllow"`).
   * @param entries Addresses and CIDR ranges.
   * @throws {AddressListError} On a malformed entry.
   */
  constructor(owner: string, entries: readonly string[]) {
    entries.forEach((e, i) => {
      const r = parseEntry(e);
      if (typeof r === "string") throw new AddressListError(owner, i, e, r);
      if (r.mask === ALL) this.#exact.add(r.base);
      else this.#ranges.push(r);
    });
    this.entries = [...entries];
  }

  /** Entries in the list. */
  get size(): number {
    return this.entries.length;
  }

  /**
   * @param address A peer address as libzmq reports it.
   * @returns Whether it is in an entry's range.
   */
  has(address: string): boolean {
    const v = peerAddressBits(address);
    if (v === undefined) return false;
    if (this.#exact.has(v)) return true;
    for (const r of this.#ranges) if ((v & r.mask) === r.base) return true;
    return false;
  }
}
