/**
 * 9/TSP encoders and decoders (https://rfc.zeromq.org/spec/9/). Pure: no
 * sockets, no timers, no storage. The decoders never throw on hostile
 * input: they return a typed message or a {@linkcode TspProtocolError}
 * whose `code` names the {@linkcode TspMalformation}. The encoders check
 * their arguments and throw `TypeError`/`RangeError`.
 *
 * Readers: Titanic reads `titanic.request` bodies
 * ({@linkcode decodeStoreRequest}) and `titanic.reply`/`titanic.close`
 * bodies ({@linkcode decodeUuidRequest}); a client reads the three replies
 * ({@linkcode decodeStoreResult}, {@linkcode decodeReplyResult},
 * {@linkcode decodeCloseResult}).
 *
 * Our replies carry the bare three-digit code in the status frame, because
 * the guide's C client compares the frame with `"200"` byte for byte; on a
 * 400 or 500 to `titanic.request` or `titanic.reply` a second frame carries
 * a short human-readable reason (TSP gives content frames a meaning only on
 * 200). A `titanic.close` reply is always exactly one frame.
 *
 * @module
 */
import { ProtocolError } from "../../errors.ts";
import { type FrameLike, isFrames } from "../_frames.ts";
import {
  TSP_SERVICE_PREFIX,
  TSP_SPEC,
  TspLimits,
  TspMalformation,
  TspMessage,
  type TspMessageName,
  TspService,
  TspStatus,
} from "./spec.ts";

export {
  TSP_SERVICE_PREFIX,
  TSP_SPEC,
  TspLimits,
  TspMalformation,
  TspMessage,
  type TspMessageName,
  TspService,
  TspStatus,
};

const te = new TextEncoder();
const td = new TextDecoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
const { UUID_CHARS, UUID_BYTES, SERVICE_MIN_BYTES, SERVICE_MAX_BYTES } =
  TspLimits;

/**
 * A `ProtocolError` from a TSP decoder: `code` names the malformation.
 *
 * @example
 * ```ts
 * import { decodeUuidRequest, type TspProtocolError } from "./codec.ts";
 * const r = decodeUuidRequest([new TextEncoder().encode("../etc/passwd")]);
 * if (r instanceof Error) console.log((r as TspProtocolError).code); // "BAD_UUID"
 * ```
 */
export type TspProtocolError = ProtocolError & {
  readonly code: TspMalformation;
};

function fail(code: TspMalformation, frame: number): TspProtocolError {
  return new ProtocolError("TSP", frame, TspMalformation[code], {
    code,
  }) as TspProtocolError;
}

// ---------------------------------------------------------------- UUIDs

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

const HEX = "0123456789ABCDEF";

/**
 * Checks a UUID against 9/TSP's format (32 hexadecimal characters, any
 * case) and returns it in upper case, the only form used as a key. Nothing
 * else about the value is trusted: it is never used as a path.
 *
 * @param value A UUID frame or string.
 * @returns The upper-case UUID, or `null` when it is not 32 hex characters.
 * @example
 * ```ts
 * import { normalizeUuid } from "./codec.ts";
 * console.log(normalizeUuid("0123456789abcdef0123456789ABCDEF")); // "0123456789ABCDEF0123456789ABCDEF"
 * console.log(normalizeUuid("../../etc/passwd")); // null
 * ```
 */
export function normalizeUuid(value: Uint8Array | string): string | null {
  if (typeof value === "string") {
    if (value.length !== UUID_CHARS) return null;
    for (let i = 0; i < UUID_CHARS; i++) {
      if (hexValue(value.charCodeAt(i)) < 0) return null;
    }
    return value.toUpperCase();
  }
  if (!(value instanceof Uint8Array) || value.length !== UUID_CHARS) {
    return null;
  }
  let s = "";
  for (let i = 0; i < UUID_CHARS; i++) {
    const v = hexValue(value[i]);
    if (v < 0) return null;
    s += HEX[v];
  }
  return s;
}

/**
 * Makes a new UUID: 122 random bits from `crypto.randomUUID()`, as 32
 * upper-case hexadecimal characters (the guide's format).
 *
 * @returns The UUID.
 * @example
 * ```ts
 * import { newUuid } from "./codec.ts";
 * console.log(newUuid().length); // 32
 * ```
 */
export function newUuid(): string {
  return crypto.randomUUID().replaceAll("-", "").toUpperCase();
}

/**
 * Packs a UUID into its 16 bytes.
 *
 * @param uuid 32 hexadecimal characters.
 * @returns The 16 bytes.
 * @throws {RangeError} When `uuid` is not 32 hex characters.
 * @example
 * ```ts
 * import { uuidFromBytes, uuidToBytes } from "./codec.ts";
 * const id = "00112233445566778899AABBCCDDEEFF";
 * console.log(uuidFromBytes(uuidToBytes(id)) === id); // true
 * ```
 */
export function uuidToBytes(uuid: string): Uint8Array {
  if (typeof uuid !== "string" || normalizeUuid(uuid) === null) {
    throw new RangeError(
      `uuidToBytes(): uuid must be 32 hex characters, got ${
        JSON.stringify(uuid)
      }`,
    );
  }
  const out = new Uint8Array(UUID_BYTES);
  for (let i = 0; i < UUID_BYTES; i++) {
    out[i] = (hexValue(uuid.charCodeAt(2 * i)) << 4) |
      hexValue(uuid.charCodeAt(2 * i + 1));
  }
  return out;
}

/**
 * Unpacks 16 bytes into an upper-case UUID.
 *
 * @param bytes At least `offset + 16` bytes.
 * @param offset Where the UUID starts.
 * @returns The 32-character UUID.
 * @example
 * ```ts
 * import { uuidFromBytes } from "./codec.ts";
 * console.log(uuidFromBytes(new Uint8Array(16)).length); // 32
 * ```
 */
export function uuidFromBytes(bytes: Uint8Array, offset = 0): string {
  let s = "";
  for (let i = 0; i < UUID_BYTES; i++) {
    const b = bytes[offset + i];
    s += HEX[b >> 4] + HEX[b & 15];
  }
  return s;
}

// ---------------------------------------------------------------- status

/**
 * The status frames (shared; never mutate).
 *
 * @example
 * ```ts
 * import { TSP_STATUS_FRAME } from "./codec.ts";
 * console.log(TSP_STATUS_FRAME["300"].length); // 3
 * ```
 */
export const TSP_STATUS_FRAME: Readonly<Record<TspStatus, Uint8Array>> = {
  "200": te.encode("200"),
  "300": te.encode("300"),
  "400": te.encode("400"),
  "500": te.encode("500"),
};

const DEFINED: ReadonlySet<string> = new Set(Object.values(TspStatus));

/** A status frame, parsed. */
export interface TspStatusLine {
  /** The code. */
  readonly status: TspStatus;
  /** Text after the code (`""` when none); never to be interpreted. */
  readonly text: string;
}

/**
 * Parses a status frame: three digits, optionally a space and text.
 *
 * @param frame The frame.
 * @returns The code and text, or a `ProtocolError` (`BAD_STATUS`,
 * `UNDEFINED_STATUS`).
 * @example
 * ```ts
 * import { parseTspStatus } from "./codec.ts";
 * console.log(parseTspStatus(new TextEncoder().encode("300 later"))); // { status: "300", text: "later" }
 * ```
 */
export function parseTspStatus(
  frame: Uint8Array | undefined,
): TspStatusLine | TspProtocolError {
  if (!(frame instanceof Uint8Array) || frame.length < 3) {
    return fail("BAD_STATUS", 0);
  }
  for (let i = 0; i < 3; i++) {
    if (frame[i] < 0x30 || frame[i] > 0x39) return fail("BAD_STATUS", 0);
  }
  if (frame.length > 3 && frame[3] !== 0x20) return fail("BAD_STATUS", 0);
  const code = String.fromCharCode(frame[0], frame[1], frame[2]);
  if (!DEFINED.has(code)) return fail("UNDEFINED_STATUS", 0);
  const text = frame.length > 4 ? td.decode(frame.subarray(4)) : "";
  return { status: code as TspStatus, text };
}

// ---------------------------------------------------------------- requests

/** A `titanic.request` body, as Titanic reads it. */
export interface TspStoreRequest {
  /** `"store"`. */
  readonly type: "store";
  /** The target service name. */
  readonly service: string;
  /** The request body for the target service (at least one frame). */
  readonly body: Uint8Array[];
}

/** A `titanic.reply` or `titanic.close` body, as Titanic reads it. */
export interface TspUuidRequest {
  /** `"uuid"`. */
  readonly type: "uuid";
  /** The UUID, upper case. */
  readonly uuid: string;
}

/**
 * Checks a target service name: 1-255 bytes of UTF-8 without control
 * characters (TSP: "printable string").
 *
 * @param bytes The name as sent.
 * @returns The name, or `null` when it is not acceptable.
 * @example
 * ```ts
 * import { checkTargetService } from "./codec.ts";
 * console.log(checkTargetService(new TextEncoder().encode("echo"))); // "echo"
 * console.log(checkTargetService(new Uint8Array([0x65, 0]))); // null
 * ```
 */
export function checkTargetService(bytes: Uint8Array): string | null {
  if (
    !(bytes instanceof Uint8Array) || bytes.length < SERVICE_MIN_BYTES ||
    bytes.length > SERVICE_MAX_BYTES
  ) return null;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b < 0x20 || b === 0x7f) return null;
  }
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

/**
 * Decodes a `titanic.request` body: `[service][body…]`.
 *
 * @param frames The MDP request body.
 * @returns The request, or a `ProtocolError` (`NOT_FRAMES`, `EMPTY`,
 * `BAD_SERVICE`, `NO_BODY`); never throws.
 * @example
 * ```ts
 * import { decodeStoreRequest } from "./codec.ts";
 * const te = new TextEncoder();
 * const r = decodeStoreRequest([te.encode("echo"), te.encode("hi")]);
 * if (!(r instanceof Error)) console.log(r.service, r.body.length); // "echo" 1
 * ```
 */
export function decodeStoreRequest(
  frames: readonly Uint8Array[],
): TspStoreRequest | TspProtocolError {
  if (!isFrames(frames)) return fail("NOT_FRAMES", -1);
  if (frames.length === 0) return fail("EMPTY", -1);
  const service = checkTargetService(frames[0]);
  if (service === null) return fail("BAD_SERVICE", 0);
  if (frames.length < 2) return fail("NO_BODY", -1);
  return { type: "store", service, body: frames.slice(1) };
}

/**
 * Decodes a `titanic.reply` or `titanic.close` body: exactly one UUID frame.
 *
 * @param frames The MDP request body.
 * @returns The upper-case UUID, or a `ProtocolError` (`NOT_FRAMES`,
 * `EMPTY`, `BAD_UUID`, `EXTRA_FRAMES`); never throws.
 * @example
 * ```ts
 * import { decodeUuidRequest } from "./codec.ts";
 * const r = decodeUuidRequest([new TextEncoder().encode("0123456789abcdef0123456789abcdef")]);
 * console.log(r); // { type: "uuid", uuid: "0123456789ABCDEF0123456789ABCDEF" }
 * ```
 */
export function decodeUuidRequest(
  frames: readonly Uint8Array[],
): TspUuidRequest | TspProtocolError {
  if (!isFrames(frames)) return fail("NOT_FRAMES", -1);
  if (frames.length === 0) return fail("EMPTY", -1);
  const uuid = normalizeUuid(frames[0]);
  if (uuid === null) return fail("BAD_UUID", 0);
  if (frames.length > 1) return fail("EXTRA_FRAMES", 1);
  return { type: "uuid", uuid };
}

function frameBytes(what: string, f: unknown): Uint8Array {
  if (typeof f === "string") return te.encode(f);
  if (f instanceof Uint8Array) return f;
  throw new TypeError(
    `${what} must be a string or Uint8Array, got ${
      f === null ? "null" : typeof f
    }`,
  );
}

/**
 * Encodes a `titanic.request` body (client side).
 *
 * @param service The target service (1-255 bytes of printable UTF-8).
 * @param body The request for it, one or more frames.
 * @returns `[service, ...body]`.
 * @throws {TypeError} When an argument has the wrong type.
 * @throws {RangeError} When the service name is unacceptable or the body empty.
 * @example
 * ```ts
 * import { encodeStoreRequest } from "./codec.ts";
 * console.log(encodeStoreRequest("echo", ["hello"]).length); // 2
 * ```
 */
export function encodeStoreRequest(
  service: FrameLike,
  body: readonly FrameLike[],
): Uint8Array[] {
  const s = frameBytes("encodeStoreRequest(): service", service);
  if (checkTargetService(s) === null) {
    throw new RangeError(
      `encodeStoreRequest(): service must be 1-255 bytes of printable UTF-8, got ${
        typeof service === "string"
          ? JSON.stringify(service)
          : `${s.length} bytes`
      }`,
    );
  }
  if (!Array.isArray(body)) {
    throw new TypeError(
      "encodeStoreRequest(): body must be an array of frames",
    );
  }
  if (body.length === 0) {
    throw new RangeError(
      "encodeStoreRequest(): body needs at least one frame (9/TSP)",
    );
  }
  const out = [s];
  for (let i = 0; i < body.length; i++) {
    out.push(frameBytes(`encodeStoreRequest(): body[${i}]`, body[i]));
  }
  return out;
}

/**
 * Encodes a `titanic.reply` or `titanic.close` body (client side).
 *
 * @param uuid The UUID `titanic.request` returned.
 * @returns `[uuid]`.
 * @throws {RangeError} When `uuid` is not 32 hexadecimal characters.
 * @example
 * ```ts
 * import { encodeUuidRequest } from "./codec.ts";
 * console.log(encodeUuidRequest("0123456789ABCDEF0123456789ABCDEF").length); // 1
 * ```
 */
export function encodeUuidRequest(uuid: string): Uint8Array[] {
  if (typeof uuid !== "string" || normalizeUuid(uuid) === null) {
    throw new RangeError(
      `encodeUuidRequest(): uuid must be 32 hexadecimal characters, got ${
        JSON.stringify(uuid)
      }`,
    );
  }
  return [te.encode(uuid)];
}

// ---------------------------------------------------------------- replies

/**
 * Encodes a Titanic reply: the status frame, then `content` (the UUID or
 * the stored reply on 200; an optional reason on 400/500).
 *
 * @param status The code.
 * @param content Frames after the status.
 * @returns The reply body.
 * @throws {TypeError} When a content frame is neither bytes nor a string.
 * @example
 * ```ts
 * import { encodeTspReply } from "./codec.ts";
 * console.log(encodeTspReply("400", ["bad UUID"]).length); // 2
 * ```
 */
export function encodeTspReply(
  status: TspStatus,
  content: readonly FrameLike[] = [],
): Uint8Array[] {
  const out = [TSP_STATUS_FRAME[status]];
  for (let i = 0; i < content.length; i++) {
    out.push(frameBytes(`encodeTspReply(): content[${i}]`, content[i]));
  }
  return out;
}

/** A status other than 200, with its text (status frame text or reason frame). */
export interface TspNotOk {
  /** `"status"`. */
  readonly type: "status";
  /** The code. */
  readonly status: "300" | "400" | "500";
  /** For people; never interpret it. */
  readonly text: string;
}

/** A `titanic.request` reply, decoded (client side). */
export type TspStoreResult =
  | { readonly type: "stored"; readonly status: "200"; readonly uuid: string }
  | TspNotOk;

/** A `titanic.reply` reply, decoded (client side). */
export type TspReplyResult =
  | {
    readonly type: "reply";
    readonly status: "200";
    readonly body: Uint8Array[];
  }
  | TspNotOk;

function notOk(frames: readonly Uint8Array[], line: TspStatusLine): TspNotOk {
  const text = line.text ||
    (frames.length > 1 ? td.decode(frames[1]) : "");
  return {
    type: "status",
    status: line.status as "300" | "400" | "500",
    text,
  };
}

function statusOf(
  frames: readonly Uint8Array[],
): TspStatusLine | TspProtocolError {
  if (!isFrames(frames)) return fail("NOT_FRAMES", -1);
  if (frames.length === 0) return fail("EMPTY", -1);
  return parseTspStatus(frames[0]);
}

/**
 * Decodes the reply of `titanic.request`.
 *
 * @param frames The MDP reply body.
 * @returns The UUID on 200, the code and text otherwise, or a
 * `ProtocolError` (`NOT_FRAMES`, `EMPTY`, `BAD_STATUS`,
 * `UNDEFINED_STATUS`, `MISSING_UUID`); never throws.
 * @example
 * ```ts
 * import { decodeStoreResult } from "./codec.ts";
 * const te = new TextEncoder();
 * const r = decodeStoreResult([te.encode("200"), te.encode("0123456789ABCDEF0123456789ABCDEF")]);
 * if (!(r instanceof Error) && r.type === "stored") console.log(r.uuid);
 * ```
 */
export function decodeStoreResult(
  frames: readonly Uint8Array[],
): TspStoreResult | TspProtocolError {
  const line = statusOf(frames);
  if (line instanceof ProtocolError) return line;
  if (line.status !== "200") return notOk(frames, line);
  const uuid = frames.length > 1 ? normalizeUuid(frames[1]) : null;
  if (uuid === null) return fail("MISSING_UUID", 1);
  return { type: "stored", status: "200", uuid };
}

/**
 * Decodes the reply of `titanic.reply`.
 *
 * @param frames The MDP reply body.
 * @returns The stored reply on 200, the code and text otherwise, or a
 * `ProtocolError` (`NOT_FRAMES`, `EMPTY`, `BAD_STATUS`,
 * `UNDEFINED_STATUS`); never throws.
 * @example
 * ```ts
 * import { decodeReplyResult } from "./codec.ts";
 * console.log(decodeReplyResult([new TextEncoder().encode("300")])); // { type: "status", status: "300", text: "" }
 * ```
 */
export function decodeReplyResult(
  frames: readonly Uint8Array[],
): TspReplyResult | TspProtocolError {
  const line = statusOf(frames);
  if (line instanceof ProtocolError) return line;
  if (line.status === "200") {
    return { type: "reply", status: "200", body: frames.slice(1) };
  }
  return notOk(frames, line);
}

/**
 * Decodes the reply of `titanic.close`.
 *
 * @param frames The MDP reply body.
 * @returns The code and text, or a `ProtocolError` (`NOT_FRAMES`, `EMPTY`,
 * `BAD_STATUS`, `UNDEFINED_STATUS`); never throws.
 * @example
 * ```ts
 * import { decodeCloseResult } from "./codec.ts";
 * console.log(decodeCloseResult([new TextEncoder().encode("200")])); // { type: "closed", status: "200", text: "" }
 * ```
 */
export function decodeCloseResult(
  frames: readonly Uint8Array[],
):
  | { readonly type: "closed"; readonly status: "200"; readonly text: string }
  | TspNotOk
  | TspProtocolError {
  const line = statusOf(frames);
  if (line instanceof ProtocolError) return line;
  if (line.status === "200") {
    return { type: "closed", status: "200", text: line.text };
  }
  return notOk(frames, line);
}

/**
 * Tells whether a service name is one of TSP's (`titanic.*`).
 *
 * @param service The name.
 * @returns Whether it starts with `titanic.`.
 * @example
 * ```ts
 * import { isTspService } from "./codec.ts";
 * console.log(isTspService("titanic.request"), isTspService("echo")); // true false
 * ```
 */
export function isTspService(service: string): boolean {
  return typeof service === "string" && service.startsWith(TSP_SERVICE_PREFIX);
}

/**
 * The message name of a body by the TSP service it goes to, for logs.
 *
 * @param service A TSP service name.
 * @param fromClient Whether the client sends it.
 * @returns The {@linkcode TspMessage} name, or `undefined`.
 * @example
 * ```ts
 * import { tspMessageOf } from "./codec.ts";
 * console.log(tspMessageOf("titanic.close", false)); // "CLOSE_REPLY"
 * ```
 */
export function tspMessageOf(
  service: string,
  fromClient: boolean,
): TspMessageName | undefined {
  for (const [name, m] of Object.entries(TspMessage)) {
    if (m.service === service && (m.from[0] === "client") === fromClient) {
      return name as TspMessageName;
    }
  }
  return undefined;
}

/** The services, for code that only imports the codec. */
export const TSP_SERVICES: readonly TspService[] = Object.values(TspService);
