/**
 * The interfaces shared by the WebAssembly core (`wasm.ts`) and its
 * plain-TypeScript twin (`reference.ts`), plus the constants both use.
 *
 * Nothing here mentions a pointer, an offset into linear memory or a
 * `WebAssembly.*` type: callers see `Uint8Array`, `number` and `string` only.
 *
 * @module
 */

import type { ReceiveSink } from "../types.ts";
import type { ProtocolError } from "../errors.ts";

/** Which implementation of the core a class runs on. */
export type CoreImpl = "wasm" | "ts";

/**
 * Limits of the {@linkcode FrameCodec} record format.
 *
 * @example
 * ```ts
 * import { RecordLimits } from "./types.ts";
 * console.log(RecordLimits.HEADER_BYTES); // 16
 * ```
 */
export const RecordLimits = {
  /** Bytes of the fixed record header (magic, version, count, body size, header CRC). */
  HEADER_BYTES: 16,
  /** Bytes of a record holding zero frames (header plus trailing CRC). */
  MIN_RECORD_BYTES: 20,
  /** Most frames one record may hold. */
  MAX_FRAMES: 1_048_576,
  /** Largest encoded record, header and CRC included (256 MiB). */
  MAX_RECORD_BYTES: 268_435_456,
} as const;

/**
 * Turns multipart messages into self-delimiting, checksummed records and
 * back, for append-only logs (Titanic) and state snapshots.
 *
 * Record format, all integers unsigned 32-bit little-endian:
 *
 * | offset | size | field |
 * |---|---|---|
 * | 0 | 4 | magic `52 5A 4D` ("RZM") and version `01` |
 * | 4 | 4 | frame count `n` (at most {@linkcode RecordLimits.MAX_FRAMES}) |
 * | 8 | 4 | body size `b`: the sum of the frame lengths |
 * | 12 | 4 | CRC-32C of bytes 0..11 (lets a log reader trust the size early) |
 * | 16 | 4·n | the length of each frame |
 * | 16+4n | b | the frames, back to back |
 * | 16+4n+b | 4 | CRC-32C (Castagnoli) of every byte before it |
 *
 * A record is `20 + 4n + b` bytes long, at most
 * {@linkcode RecordLimits.MAX_RECORD_BYTES}.
 *
 * @example Round trip
 * ```ts
 * import { createFrameCodec } from "./mod.ts";
 * const codec = createFrameCodec();
 * const te = new TextEncoder();
 * const record = codec.encode([te.encode("id"), new Uint8Array(0), te.encode("hi")]);
 * const frames = codec.decode(record);
 * console.log(frames.length); // 3
 * ```
 */
export interface FrameCodec {
  /** The implementation behind this codec. */
  readonly impl: CoreImpl;
  /**
   * Encodes a multipart message into one record.
   *
   * @param frames The frames, in order (zero frames is a valid, empty message).
   * @returns A new buffer holding exactly one record.
   * @throws {TypeError} If `frames` is not an array of `Uint8Array`.
   * @throws {RangeError} If the record would exceed the format's limits.
   */
  encode(frames: readonly Uint8Array[]): Uint8Array;
  /**
   * Encodes a multipart message into a caller's buffer (e.g. the tail of an
   * append log), allocating nothing.
   *
   * @param frames The frames, in order.
   * @param out Where to write the record.
   * @param offset Where in `out` the record starts.
   * @returns The record's length in bytes.
   * @throws {TypeError} If `frames` is not an array of `Uint8Array` or `out` is not a `Uint8Array`.
   * @throws {RangeError} If the record would exceed the format's limits or
   * does not fit in `out` after `offset`.
   */
  encodeInto(
    frames: readonly Uint8Array[],
    out: Uint8Array,
    offset?: number,
  ): number;
  /**
   * The length of the record `encode(frames)` would return.
   *
   * @param frames The frames.
   * @returns The record's length in bytes.
   * @throws {TypeError} If `frames` is not an array of `Uint8Array`.
   * @throws {RangeError} If the record would exceed the format's limits.
   */
  encodedLength(frames: readonly Uint8Array[]): number;
  /**
   * Decodes exactly one record (no trailing bytes) and checks both CRCs.
   *
   * @param record The record's bytes.
   * @returns One `subarray` view of `record` per frame (no copy: the views
   * share `record`'s memory).
   * @throws {TypeError} If `record` is not a `Uint8Array`.
   * @throws {CorruptRecordError} If the record is truncated, oversized, has
   * trailing bytes, inconsistent lengths or a wrong checksum.
   */
  decode(record: Uint8Array): Uint8Array[];
  /**
   * Reads the total length of the record that starts at `prefix[0]`, from
   * its 16-byte header, for reading records one after the other from a log.
   *
   * @param prefix The first bytes of a record (more is fine).
   * @returns The record's length in bytes, or -1 when `prefix` holds fewer
   * than {@linkcode RecordLimits.HEADER_BYTES} bytes.
   * @throws {TypeError} If `prefix` is not a `Uint8Array`.
   * @throws {CorruptRecordError} If the header is not a valid record header.
   */
  recordLength(prefix: Uint8Array): number;
  /**
   * CRC-32C (Castagnoli, reflected, init and final XOR `0xFFFFFFFF`) of some
   * bytes, the checksum the records use.
   *
   * @param bytes The bytes to checksum.
   * @returns The checksum, an unsigned 32-bit integer.
   * @throws {TypeError} If `bytes` is not a `Uint8Array`.
   */
  crc32c(bytes: Uint8Array): number;
}

/**
 * Per-service least-recently-used queues of waiting workers, each worker an
 * integer handle with an expiry deadline. Push and pop are O(1); expiry walks
 * one list ordered by deadline, so a sweep costs in proportion to what
 * expires. A push or touch whose deadline is not below the latest one queued
 * (the usual `now + constant`) is O(1); an earlier deadline costs one step per
 * queued worker it overtakes.
 *
 * @example Majordomo-style dispatch
 * ```ts
 * import { createWorkerQueue } from "./mod.ts";
 * const q = createWorkerQueue();
 * q.push(7, 0, 1000); // worker 7 of service 0 waits until t=1000
 * q.push(9, 0, 1200);
 * console.log(q.pop(0)); // 7 (longest waiting)
 * console.log(q.expire(1500)); // [9]
 * ```
 */
export interface WorkerQueue {
  /** The implementation behind this queue. */
  readonly impl: CoreImpl;
  /**
   * Appends a worker as the most recently ready of its service, with a new
   * deadline. A worker already queued is moved (even to another service).
   *
   * @param handle Worker handle, an integer in [0, 2^24).
   * @param service Service id, an integer in [0, 2^24).
   * @param deadline Expiry time in ms (any non-NaN number, may be fractional).
   * @throws {TypeError} If an argument is not a number.
   * @throws {RangeError} If `handle` or `service` is out of range, or `deadline` is NaN.
   */
  push(handle: number, service: number, deadline: number): void;
  /**
   * Removes and returns the longest-waiting worker of a service.
   *
   * @param service Service id.
   * @returns Its handle, or -1 when the service has no waiting worker.
   * @throws {RangeError} If `service` is out of range.
   */
  pop(service: number): number;
  /**
   * Removes a worker.
   *
   * @param handle Worker handle.
   * @returns Whether it was queued.
   * @throws {RangeError} If `handle` is out of range.
   */
  remove(handle: number): boolean;
  /**
   * Gives a queued worker a new deadline (a heartbeat), keeping its LRU place.
   *
   * @param handle Worker handle.
   * @param deadline New expiry time in ms.
   * @returns Whether it was queued.
   * @throws {RangeError} If `handle` is out of range or `deadline` is NaN.
   */
  touch(handle: number, deadline: number): boolean;
  /**
   * Removes every queued worker whose deadline is `<= now`.
   *
   * @param now The current time in ms.
   * @returns Their handles, earliest deadline first (ties in queueing order);
   * a shared, frozen empty array when none expired.
   * @throws {RangeError} If `now` is NaN.
   */
  expire(now: number): number[];
  /**
   * Tells whether a worker is queued.
   *
   * @param handle Worker handle.
   * @returns Whether it is queued.
   */
  has(handle: number): boolean;
  /**
   * Counts waiting workers.
   *
   * @param service A service id, or omitted for all services.
   * @returns How many workers wait.
   */
  size(service?: number): number;
  /**
   * The service a worker is queued for.
   *
   * @param handle Worker handle.
   * @returns The service id, or -1 when the worker is not queued.
   */
  serviceOf(handle: number): number;
  /**
   * The deadline of a queued worker.
   *
   * @param handle Worker handle.
   * @returns Its deadline, or `NaN` when the worker is not queued.
   */
  deadlineOf(handle: number): number;
}

/**
 * What {@linkcode Envelope.classifyMdp} or {@linkcode Envelope.classifyPpp}
 * found in the current message.
 *
 * @example
 * ```ts
 * import { MessageKind } from "./types.ts";
 * console.log(MessageKind.MDP_CLIENT); // 1
 * ```
 */
export const MessageKind = {
  /** Broke the protocol; see `errorCode`, `errorFrame`, `errorReason`. */
  INVALID: 0,
  /** 7/MDP client request `[id][""]["MDPC01"][service][body…]`. */
  MDP_CLIENT: 1,
  /** 7/MDP worker command `[id][""]["MDPW01"][cmd]…`; see `command`. */
  MDP_WORKER: 2,
  /** 6/PPP READY `[id][0x01]`. */
  PPP_READY: 3,
  /** 6/PPP HEARTBEAT `[id][0x02]`. */
  PPP_HEARTBEAT: 4,
  /** 6/PPP reply `[id][client id][""][body…]`. */
  PPP_REPLY: 5,
} as const;
/** One of the {@linkcode MessageKind} codes. */
export type MessageKind = typeof MessageKind[keyof typeof MessageKind];

/**
 * Why a message was classified {@linkcode MessageKind.INVALID}: a number per
 * malformation class. The names are those of the spec data
 * (`MdpMalformation`, `PppMalformation` in `@reliable/zmq/protocol`), which
 * the protocol codecs return as `ProtocolError.code`; `toError()` carries
 * the name too. The numbering is the WebAssembly module's ABI.
 *
 * @example
 * ```ts
 * import { EnvelopeError } from "./types.ts";
 * console.log(EnvelopeError.NONE); // 0
 * ```
 */
export const EnvelopeError = {
  /** The message is valid. */
  NONE: 0,
  /** Fewer frames than the smallest valid message. */
  TOO_FEW_FRAMES: 1,
  /** Frame 1 (the delimiter after the identity) is not empty. */
  DELIMITER_NOT_EMPTY: 2,
  /** Frame 2 is neither `MDPC01` nor `MDPW01`. */
  UNKNOWN_HEADER: 3,
  /** The service name is empty. */
  EMPTY_SERVICE: 4,
  /** A reply carries no body frame. */
  NO_BODY: 5,
  /** The command frame is not exactly one byte of a known command. */
  BAD_COMMAND: 6,
  /** The command has the wrong number of frames. */
  WRONG_FRAME_COUNT: 7,
  /** The client address frame is empty or longer than 255 bytes. */
  BAD_ADDRESS: 8,
  /** The empty frame after the client address is missing. */
  MISSING_DELIMITER: 9,
} as const;
/** One of the {@linkcode EnvelopeError} codes. */
export type EnvelopeError = typeof EnvelopeError[keyof typeof EnvelopeError];

/**
 * One ROUTER message held in place (frame 0 is the sender identity), with
 * one-call classification of its 7/MDP or 6/PPP header, a byte-keyed intern
 * table mapping identities and service names to small integer handles, and a
 * builder for outgoing frame lists.
 *
 * It is a {@linkcode ReceiveSink}: the transport writes each received message
 * straight into it (into WebAssembly memory for the WASM core), so the
 * per-message step allocates nothing. `load()` is the copy-in path for
 * callers that hold frames as arrays.
 *
 * @example Classify a Majordomo request
 * ```ts
 * import { createEnvelope, MessageKind } from "./mod.ts";
 * const te = new TextEncoder();
 * const env = createEnvelope();
 * env.load([te.encode("C1"), new Uint8Array(0), te.encode("MDPC01"), te.encode("echo"), te.encode("hi")]);
 * console.log(env.classifyMdp() === MessageKind.MDP_CLIENT); // true
 * const service = env.intern(env.serviceFrame);
 * console.log(new TextDecoder().decode(env.bytesOf(service))); // "echo"
 * ```
 */
export interface Envelope extends ReceiveSink {
  /** The implementation behind this envelope. */
  readonly impl: CoreImpl;
  /** Number of frames of the current message. */
  readonly frameCount: number;
  /**
   * Copies a message in (the copy-in path).
   *
   * @param frames The frames, frame 0 being the sender identity.
   * @throws {TypeError} If `frames` is not an array of `Uint8Array`.
   * @throws {RangeError} If the message is too large.
   */
  load(frames: readonly Uint8Array[]): void;
  /**
   * Length of a frame.
   *
   * @param index Frame index.
   * @returns Its length in bytes.
   * @throws {RangeError} If `index` is out of range.
   */
  frameLength(index: number): number;
  /**
   * A view of a frame, valid until the next message, `intern` or `release`.
   *
   * @param index Frame index.
   * @returns A `subarray` view (no copy).
   * @throws {RangeError} If `index` is out of range.
   */
  frame(index: number): Uint8Array;
  /**
   * Compares a frame with some bytes, without allocating.
   *
   * @param index Frame index.
   * @param bytes The bytes to compare with.
   * @returns Whether they are equal.
   * @throws {RangeError} If `index` is out of range.
   */
  frameEquals(index: number, bytes: Uint8Array): boolean;
  /**
   * Classifies the message as a 7/MDP message on a broker ROUTER.
   *
   * @returns The {@linkcode MessageKind}; the fields below are set accordingly.
   */
  classifyMdp(): MessageKind;
  /**
   * Classifies the message as a 6/PPP message on a queue's backend ROUTER.
   *
   * @returns The {@linkcode MessageKind}; the fields below are set accordingly.
   */
  classifyPpp(): MessageKind;
  /** Kind found by the last classification. */
  readonly kind: MessageKind;
  /** 7/MDP worker command octet (`MdpWorkerCommand`) or 6/PPP command (`PppCommand`), else 0. */
  readonly command: number;
  /** Index of the service-name frame, or -1. */
  readonly serviceFrame: number;
  /** Index of the client-address frame (MDP REPLY/REQUEST, PPP reply), or -1. */
  readonly addressFrame: number;
  /** Index of the first body frame, or -1. */
  readonly bodyFrame: number;
  /**
   * Handle of the sender identity (frame 0) if it is interned, else -1:
   * looked up by the classification itself, so a known worker costs no
   * extra call.
   */
  readonly senderHandle: number;
  /** Handle of the service-name frame if it is interned, else -1 (looked up by the classification). */
  readonly serviceHandle: number;
  /** {@linkcode EnvelopeError} code of the last classification. */
  readonly errorCode: EnvelopeError;
  /** Index of the offending frame, or -1 when about the whole message. */
  readonly errorFrame: number;
  /** Text of `errorCode` (a constant string, no allocation). */
  readonly errorReason: string;
  /**
   * The last classification's failure as an error object (cold path).
   *
   * @returns A `ProtocolError` naming the protocol (`"MDPC01"`, `"MDPW01"`,
   * `"MDP"` or `"PPP"`), the frame and the reason.
   */
  toError(): ProtocolError;
  /**
   * Interns a frame's bytes: equal bytes get the same handle while it lives.
   *
   * @param index Frame index.
   * @returns A handle, a small non-negative integer (released handles are
   * reused, most recently released first).
   * @throws {RangeError} If `index` is out of range.
   */
  intern(index: number): number;
  /**
   * Looks a frame's bytes up without interning them.
   *
   * @param index Frame index.
   * @returns The handle, or -1 when not interned.
   * @throws {RangeError} If `index` is out of range.
   */
  find(index: number): number;
  /**
   * Interns arbitrary bytes (e.g. a service name from configuration).
   *
   * @param bytes The key.
   * @returns Its handle.
   * @throws {TypeError} If `bytes` is not a `Uint8Array`.
   */
  internBytes(bytes: Uint8Array): number;
  /**
   * Looks arbitrary bytes up without interning them.
   *
   * @param bytes The key.
   * @returns The handle, or -1.
   */
  findBytes(bytes: Uint8Array): number;
  /**
   * Frees a handle; its number may be handed out again.
   *
   * @param handle A handle from `intern`.
   * @returns Whether it was live.
   */
  release(handle: number): boolean;
  /**
   * The bytes of an interned handle, as a view valid until the next
   * `intern`, `internBytes`, `release` or message.
   *
   * @param handle A live handle.
   * @returns A view of its bytes.
   * @throws {RangeError} If the handle is not live.
   */
  bytesOf(handle: number): Uint8Array;
  /** Number of live interned handles. */
  readonly internedCount: number;
  /**
   * Builds an outgoing frame list `[identity, ...prefix, frame(fromFrame), …, frame(last)]`
   * of views (no copies): send it before the next message arrives.
   *
   * @param identity The destination identity: bytes, or an interned handle.
   * @param prefix Frames to put between the identity and the copied frames.
   * @param fromFrame First frame of the current message to append
   * (`frameCount` appends none).
   * @returns A new array of views.
   * @throws {RangeError} If `fromFrame` is out of range or the handle is not live.
   */
  build(
    identity: Uint8Array | number,
    prefix: readonly Uint8Array[],
    fromFrame: number,
  ): Uint8Array[];
}
