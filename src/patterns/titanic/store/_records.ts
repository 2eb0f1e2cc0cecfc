/**
 * The records of the Titanic log: what each one holds, as frames for the
 * core's `FrameCodec` (which adds lengths and a CRC-32C per record). Pure.
 *
 * Frame 0 of every record is a small header: the kind (one byte), then the
 * request's UUID as 16 bytes (none for a segment header), then kind-specific
 * fields.
 *
 * | Kind | Frames after the header |
 * |---|---|
 * | `SEGMENT` (0) | magic `"RZTLOG01"`, segment number (decimal) |
 * | `REQUEST` (1) | target service, request body… |
 * | `REPLY` (2) | reply body… |
 * | `ATTEMPT` (3) | none; header bytes 17-20: attempts so far (u32 LE) |
 * | `PARK` (4) | the reason (UTF-8); header bytes 17-20: attempts so far |
 * | `CLOSE` (5) | none |
 *
 * @module
 */
import { uuidFromBytes, uuidToBytes } from "../../../protocol/tsp/codec.ts";

/** Record kinds. */
export const RecordKind = {
  SEGMENT: 0,
  REQUEST: 1,
  REPLY: 2,
  ATTEMPT: 3,
  PARK: 4,
  CLOSE: 5,
} as const;
/** One of the {@linkcode RecordKind} values. */
export type RecordKind = typeof RecordKind[keyof typeof RecordKind];

const te = new TextEncoder();
const td = new TextDecoder();
/** Magic of a segment header record. */
export const SEGMENT_MAGIC = "RZTLOG01";
const MAGIC = te.encode(SEGMENT_MAGIC);

/** A record, decoded. */
export type LogRecord =
  | { kind: 0; segment: number }
  | { kind: 1; uuid: string; service: Uint8Array; body: Uint8Array[] }
  | { kind: 2; uuid: string; body: Uint8Array[] }
  | { kind: 3; uuid: string; attempts: number }
  | { kind: 4; uuid: string; reason: string; attempts: number }
  | { kind: 5; uuid: string };

function header(kind: RecordKind, uuid: string, extra = 0): Uint8Array {
  const h = new Uint8Array(17 + extra);
  h[0] = kind;
  h.set(uuidToBytes(uuid), 1);
  return h;
}

/**
 * Frames of a segment header record.
 * @param segment The segment number.
 * @returns The frames.
 */
export function segmentFrames(segment: number): Uint8Array[] {
  return [
    new Uint8Array([RecordKind.SEGMENT]),
    MAGIC,
    te.encode(String(segment)),
  ];
}

/**
 * Frames of a REQUEST record.
 * @param uuid The UUID.
 * @param service The target service.
 * @param body The request body.
 * @returns The frames.
 */
export function requestFrames(
  uuid: string,
  service: Uint8Array,
  body: readonly Uint8Array[],
): Uint8Array[] {
  return [header(RecordKind.REQUEST, uuid), service, ...body];
}

/**
 * Frames of a REPLY record.
 * @param uuid The UUID.
 * @param body The reply.
 * @returns The frames.
 */
export function replyFrames(
  uuid: string,
  body: readonly Uint8Array[],
): Uint8Array[] {
  return [header(RecordKind.REPLY, uuid), ...body];
}

/**
 * Frames of an ATTEMPT record.
 * @param uuid The UUID.
 * @param attempts Dispatch attempts so far, this one included.
 * @returns The frames.
 */
export function attemptFrames(uuid: string, attempts: number): Uint8Array[] {
  const h = header(RecordKind.ATTEMPT, uuid, 4);
  new DataView(h.buffer).setUint32(17, attempts, true);
  return [h];
}

/**
 * Frames of a PARK record.
 * @param uuid The UUID.
 * @param reason Why it was given up.
 * @param attempts Dispatch attempts made.
 * @returns The frames.
 */
export function parkFrames(
  uuid: string,
  reason: string,
  attempts: number,
): Uint8Array[] {
  const h = header(RecordKind.PARK, uuid, 4);
  new DataView(h.buffer).setUint32(17, attempts, true);
  return [h, te.encode(reason)];
}

/**
 * Frames of a CLOSE record.
 * @param uuid The UUID.
 * @returns The frames.
 */
export function closeFrames(uuid: string): Uint8Array[] {
  return [header(RecordKind.CLOSE, uuid)];
}

/**
 * Decodes the frames of a record (already CRC-checked by the codec).
 *
 * @param frames The frames.
 * @returns The record, or `null` when the frames are not a record of ours.
 */
export function decodeRecord(frames: Uint8Array[]): LogRecord | null {
  const h = frames[0];
  if (h === undefined || h.length === 0) return null;
  const kind = h[0];
  if (kind === RecordKind.SEGMENT) {
    if (frames.length !== 3 || h.length !== 1) return null;
    if (td.decode(frames[1]) !== SEGMENT_MAGIC) return null;
    const n = Number(td.decode(frames[2]));
    return Number.isSafeInteger(n) && n >= 0 ? { kind, segment: n } : null;
  }
  if (kind > RecordKind.CLOSE) return null;
  const expected = kind === RecordKind.ATTEMPT || kind === RecordKind.PARK
    ? 21
    : 17;
  const count = () =>
    new DataView(h.buffer, h.byteOffset, h.length).getUint32(17, true);
  if (h.length !== expected) return null;
  const uuid = uuidFromBytes(h, 1);
  switch (kind) {
    case RecordKind.REQUEST:
      if (frames.length < 3) return null;
      return { kind, uuid, service: frames[1], body: frames.slice(2) };
    case RecordKind.REPLY:
      return { kind, uuid, body: frames.slice(1) };
    case RecordKind.ATTEMPT:
      if (frames.length !== 1) return null;
      return { kind, uuid, attempts: count() };
    case RecordKind.PARK:
      if (frames.length !== 2) return null;
      return { kind, uuid, reason: td.decode(frames[1]), attempts: count() };
    case RecordKind.CLOSE:
      if (frames.length !== 1) return null;
      return { kind, uuid };
  }
  return null;
}
