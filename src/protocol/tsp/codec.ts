/**
 * 9/TSP encoders and decoders (rfc.zeromq.org/spec/9). Pure: no sockets, no
 * timers, no storage. The decoders never throw on hostile input: they return
 * a typed message or a {@linkcode ProtocolError} whose `code` is a
 * {@linkcode TspMalformation} name. The encoders check their arguments and
 * throw `TypeError`/`RangeError` naming what was wrong.
 *
 * Frames are the MDP bodies (see `spec.ts` for the table). Our replies carry
 * the bare three-digit code in the status frame, because the guide's C
 * client compares the frame with `"200"` byte for byte; on a 400 or 500 to
 * `titanic.request` or `titanic.reply` a second frame carries a short
 * human-readable reason (TSP gives content frames a meaning only on 200).
 * A `titanic.close` reply is always exactly one frame.
 *
 * @module
 */
import { ProtocolError } from "../../errors.ts";
import {
  TSP_SERVICE_PREFIX,
  TspLimits,
  TspMalformation,
  TspStatus,
} from "./spec.ts";

const te = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
const latin = new TextDecoder("latin1");

/** A frame as the encoders accept it: bytes, or a string sent as UTF-8. */
export type TspFrame = Uint8Array | string;

function tspError(
  frame: number,
  code: TspMalformation,
  reason: string,
): ProtocolError {
  const err = new ProtocolError("TSP", frame, reason);
  // The malformation class; `ProtocolError` takes it as an option once the
  // shared `code` field lands on main (branch `protocol`).
  Object.defineProperty(err, "code", { value: code, enumerable: true });
  return err;
}

/**
 * The malformation class of an error returned by a TSP decoder.
 *
 * @param error An error returned by a decoder of this module.
 * @returns Its {@linkcode TspMalformation} name, or `undefined` for another error.
 * @example
 * ```ts
 * import { decodeUuidRequest, tspErrorCode } from "./codec.ts";
 * const r = decodeUuidRequest([new TextEncoder().encode("../etc/passwd")]);
 * if (r instanceof Error) console.log(tspErrorCode(r)); // "BAD_UUID"
 * ```
 */
export function tspErrorCode(error: unknown): TspMalformation | undefined {
  if (!(error instanceof ProtocolError) || error.protocol !== "TSP") {
    return undefined;
  }
  return (error as unknown as { code?: TspMalformation }).code;
}

// ---------------------------------------------------------------- UUIDs

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

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
  const n = TspLimits.UUID_CHARS;
  if (typeof value === "string") {
    if (value.length !== n) return null;
    for (let i = 0; i < n; i++) {
      if (hexValue(value.charCodeAt(i)) < 0) return null;
    }
    return value.toUpperCase();
  }
  if (!(value instanceof Uint8Array) || value.length !== n) return null;
  for (let i = 0; i < n; i++) if (hexValue(value[i]) < 0) return null;
  return latin.decode(value).toUpperCase();
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
 * Packs a normalized UUID into its 16 bytes.
 *
 * @param uuid A UUID as {@linkcode normalizeUuid} returns it.
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
  const n = TspLimits.UUID_BYTES;
  if (typeof uuid !== "string" || uuid.length !== 2 * n) {
    throw new RangeError(
      `uuidToBytes(): uuid must be 32 hex characters, got ${
        JSON.stringify(uuid)
      }`,
    );
  }
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const hi = hexValue(uuid.charCodeAt(2 * i));
    const lo = hexValue(uuid.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) {
      throw new RangeError(
        `uuidToBytes(): uuid must be 32 hex characters, got ${
          JSON.stringify(uuid)
        }`,
      );
    }
    out[i] = (hi << 4) | lo;
  }
  return out;
}

const HEX = "0123456789ABCDEF";

/**
 * Unpacks 16 bytes into an upper-case UUID.
 *
 * @param bytes At least 16 bytes; the first 16 are used.
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
  for (let i = 0; i < TspLimits.UUID_BYTES; i++) {
    const b = bytes[offset + i];
    s += HEX[b >> 4] + HEX[b & 15];
  }
  return s;
}

// ---------------------------------------------------------------- status

/** Status frames (shared; never mutate). */
export const STATUS_FRAME: Readonly<Record<TspStatus, Uint8Array>> = {
  "200": te.encode("200"),
  "300": te.encode("300"),
  "400": te.encode("400"),
  "500": te.encode("500"),
};

const DEFINED = new Set<string>(Object.values(TspStatus));

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
): TspStatusLine | ProtocolError {
  if (!(frame instanceof Uint8Array) || frame.length < 3) {
    return tspError(0, TspMalformation.BAD_STATUS, "status is not 3 digits");
  }
  for (let i = 0; i < 3; i++) {
    if (frame[i] < 0x30 || frame[i] > 0x39) {
      return tspError(0, TspMalformation.BAD_STATUS, "status is not 3 digits");
    }
  }
  if (frame.length > 3 && frame[3] !== 0x20) {
    return tspError(
      0,
      TspMalformation.BAD_STATUS,
      "status digits must be followed by a space or nothing",
    );
  }
  const code = latin.decode(frame.subarray(0, 3));
  if (!DEFINED.has(code)) {
    return tspError(
      0,
      TspMalformation.UNDEFINED_STATUS,
      `status ${code} is not a TSP code`,
    );
  }
  const text = frame.length > 4
    ? new TextDecoder().decode(frame.subarray(4))
    : "";
  return { status: code as TspStatus, text };
}

// ---------------------------------------------------------------- requests

/** A `titanic.request` body, decoded (server side). */
export interface TspStoreRequest {
  /** The target service name. */
  readonly service: string;
  /** The target service name as sent. */
  readonly serviceBytes: Uint8Array;
  /** The request body for the target service (at least one frame). */
  readonly body: Uint8Array[];
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
    !(bytes instanceof Uint8Array) ||
    bytes.length < TspLimits.SERVICE_MIN_BYTES ||
    bytes.length > TspLimits.SERVICE_MAX_BYTES
  ) return null;
  for (const b of bytes) if (b < 0x20 || b === 0x7f) return null;
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
 * @returns The request, or a `ProtocolError` (`EMPTY`, `BAD_SERVICE`,
 * `NO_BODY`).
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
): TspStoreRequest | ProtocolError {
  if (!Array.isArray(frames) || frames.length === 0) {
    return tspError(-1, TspMalformation.EMPTY, "no frames");
  }
  const serviceBytes = frames[0];
  const service = checkTargetService(serviceBytes);
  if (service === null) {
    return tspError(
      0,
      TspMalformation.BAD_SERVICE,
      "service name must be 1-255 bytes of printable UTF-8",
    );
  }
  if (frames.length < 2) {
    return tspError(
      1,
      TspMalformation.NO_BODY,
      "a request needs a body after the service name",
    );
  }
  for (let i = 1; i < frames.length; i++) {
    if (!(frames[i] instanceof Uint8Array)) {
      return tspError(i, TspMalformation.NO_BODY, "frame is not bytes");
    }
  }
  return { service, serviceBytes, body: frames.slice(1) };
}

/**
 * Decodes a `titanic.reply` or `titanic.close` body: exactly one UUID frame.
 *
 * @param frames The MDP request body.
 * @returns The upper-case UUID, or a `ProtocolError` (`EMPTY`, `BAD_UUID`,
 * `EXTRA_FRAMES`).
 * @example
 * ```ts
 * import { decodeUuidRequest } from "./codec.ts";
 * const r = decodeUuidRequest([new TextEncoder().encode("0123456789abcdef0123456789abcdef")]);
 * console.log(r); // { uuid: "0123456789ABCDEF0123456789ABCDEF" }
 * ```
 */
export function decodeUuidRequest(
  frames: readonly Uint8Array[],
): { readonly uuid: string } | ProtocolError {
  if (!Array.isArray(frames) || frames.length === 0) {
    return tspError(-1, TspMalformation.EMPTY, "no frames");
  }
  const uuid = normalizeUuid(frames[0]);
  if (uuid === null) {
    return tspError(
      0,
      TspMalformation.BAD_UUID,
      "UUID must be 32 hexadecimal characters",
    );
  }
  if (frames.length > 1) {
    return tspError(
      1,
      TspMalformation.EXTRA_FRAMES,
      "only a UUID frame is expected",
    );
  }
  return { uuid };
}

function frameBytes(what: string, f: unknown): Uint8Array {
  if (typeof f === "string") return te.encode(f);
  if (f instanceof Uint8Array) return f;
  throw new TypeError(`${what} must be a string or Uint8Array`);
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
  service: TspFrame,
  body: readonly TspFrame[],
): Uint8Array[] {
  const s = frameBytes("encodeStoreRequest(): service", service);
  if (checkTargetService(s) === null) {
    throw new RangeError(
      `encodeStoreRequest(): service must be 1-255 bytes of printable UTF-8, got ${
        JSON.stringify(
          typeof service === "string" ? service : `${s.length} bytes`,
        )
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
      `uuid must be 32 hexadecimal characters, got ${JSON.stringify(uuid)}`,
    );
  }
  return [te.encode(uuid)];
}

// ---------------------------------------------------------------- replies

/**
 * Encodes a server reply: the status frame, then `content` (the UUID or the
 * stored reply on 200; an optional reason on 400/500).
 *
 * @param status The code.
 * @param content Frames after the status.
 * @returns The reply body.
 * @example
 * ```ts
 * import { encodeTspReply } from "./codec.ts";
 * console.log(encodeTspReply("400", ["bad UUID"]).length); // 2
 * ```
 */
export function encodeTspReply(
  status: TspStatus,
  content: readonly TspFrame[] = [],
): Uint8Array[] {
  const out = [STATUS_FRAME[status]];
  for (const f of content) out.push(frameBytes("content", f));
  return out;
}

/** A `titanic.request` reply, decoded (client side). */
export type TspStoreResult =
  | { readonly status: "200"; readonly uuid: string }
  | { readonly status: "300" | "400" | "500"; readonly text: string };

/** A `titanic.reply` reply, decoded (client side). */
export type TspReplyResult =
  | { readonly status: "200"; readonly body: Uint8Array[] }
  | { readonly status: "300" | "400" | "500"; readonly text: string };

function reasonText(frames: readonly Uint8Array[], line: TspStatusLine) {
  if (line.text) return line.text;
  if (frames.length > 1 && frames[1] instanceof Uint8Array) {
    return new TextDecoder().decode(frames[1]);
  }
  return "";
}

/**
 * Decodes the reply of `titanic.request`.
 *
 * @param frames The MDP reply body.
 * @returns The UUID on 200, the code and text otherwise, or a
 * `ProtocolError` (`EMPTY`, `BAD_STATUS`, `UNDEFINED_STATUS`,
 * `MISSING_UUID`).
 * @example
 * ```ts
 * import { decodeStoreResult } from "./codec.ts";
 * const te = new TextEncoder();
 * console.log(decodeStoreResult([te.encode("200"), te.encode("0123456789ABCDEF0123456789ABCDEF")]));
 * ```
 */
export function decodeStoreResult(
  frames: readonly Uint8Array[],
): TspStoreResult | ProtocolError {
  if (!Array.isArray(frames) || frames.length === 0) {
    return tspError(-1, TspMalformation.EMPTY, "no frames");
  }
  const line = parseTspStatus(frames[0]);
  if (line instanceof ProtocolError) return line;
  if (line.status !== TspStatus.OK) {
    return { status: line.status, text: reasonText(frames, line) };
  }
  const uuid = frames.length > 1 ? normalizeUuid(frames[1]) : null;
  if (uuid === null) {
    return tspError(
      1,
      TspMalformation.MISSING_UUID,
      "a 200 from titanic.request must carry a UUID",
    );
  }
  return { status: "200", uuid };
}

/**
 * Decodes the reply of `titanic.reply`.
 *
 * @param frames The MDP reply body.
 * @returns The stored reply on 200, the code and text otherwise, or a
 * `ProtocolError` (`EMPTY`, `BAD_STATUS`, `UNDEFINED_STATUS`).
 * @example
 * ```ts
 * import { decodeReplyResult } from "./codec.ts";
 * console.log(decodeReplyResult([new TextEncoder().encode("300")])); // { status: "300", text: "" }
 * ```
 */
export function decodeReplyResult(
  frames: readonly Uint8Array[],
): TspReplyResult | ProtocolError {
  if (!Array.isArray(frames) || frames.length === 0) {
    return tspError(-1, TspMalformation.EMPTY, "no frames");
  }
  const line = parseTspStatus(frames[0]);
  if (line instanceof ProtocolError) return line;
  if (line.status === TspStatus.OK) {
    return { status: "200", body: frames.slice(1) };
  }
  return { status: line.status, text: reasonText(frames, line) };
}

/**
 * Decodes the reply of `titanic.close`.
 *
 * @param frames The MDP reply body.
 * @returns The code and text, or a `ProtocolError`.
 * @example
 * ```ts
 * import { decodeCloseResult } from "./codec.ts";
 * console.log(decodeCloseResult([new TextEncoder().encode("200")])); // { status: "200", text: "" }
 * ```
 */
export function decodeCloseResult(
  frames: readonly Uint8Array[],
): TspStatusLine | ProtocolError {
  if (!Array.isArray(frames) || frames.length === 0) {
    return tspError(-1, TspMalformation.EMPTY, "no frames");
  }
  const line = parseTspStatus(frames[0]);
  if (line instanceof ProtocolError) return line;
  return { status: line.status, text: reasonText(frames, line) };
}

/**
 * Tells whether a service name is one TSP reserves (`titanic.*`).
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
  return typeof service === "string" &&
    service.startsWith(TSP_SERVICE_PREFIX);
}
