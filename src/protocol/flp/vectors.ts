/**
 * 10/FLP conformance vectors: valid and malformed messages for every
 * command, both directions and every malformation class, each with the
 * expected result. The codec's decoders are held to this list
 * (`codec_test.ts`).
 *
 * Readers: `server` reads the server's ROUTER view (frame 0 is the client's
 * identity); `client` reads the client's ROUTER view (frame 0 is the
 * server's identity, its public endpoint). Bytes are spelled out here,
 * never taken from `spec.ts`.
 *
 * @module
 */
import type { Vector, VectorFrame } from "../_vector.ts";

/** Who decodes a 10/FLP vector. */
export type FlpReader = "server" | "client";

/** An expected 10/FLP message, in vector notation (`sender` is frame 0). */
export interface FlpExpect {
  /** The decoded `type`. */
  readonly type: "ping" | "pong" | "request" | "reply";
  /** The control frame of a request or reply. */
  readonly control?: VectorFrame;
  /** The body frames of a request or reply. */
  readonly body?: readonly VectorFrame[];
}

/** The malformation classes a 10/FLP vector may expect. */
export type FlpVectorCode =
  | "NOT_FRAMES"
  | "TOO_FEW_FRAMES"
  | "BAD_IDENTITY"
  | "BAD_COMMAND"
  | "WRONG_DIRECTION"
  | "BAD_CONTROL";

/** One 10/FLP vector. */
export type FlpVector = Vector<FlpReader, FlpExpect, FlpVectorCode>;

/** A libzmq-generated client identity: 0x00 then a 32-bit number. */
const ZID = [0x00, 0x80, 0x00, 0x41, 0xa7];
const EP = "tcp://127.0.0.1:5555";
const HB = "RFC 10 § Heartbeating";
const RR = "RFC 10 § Request-Reply";
const OURS = "docs/PROTOCOLS.md § 10/FLP: malformed input";
const AMB = "docs/PROTOCOLS.md § 10/FLP: commands and control frames";
const PING = [0x50, 0x49, 0x4e, 0x47];
const PONG = [0x50, 0x4f, 0x4e, 0x47];

const err = (error: FlpVectorCode, frame = -1) => ({ error, frame });

/** Every 10/FLP vector. */
export const FLP_VECTORS: readonly FlpVector[] = [
  // ---- server (ROUTER view of a client): valid ----------------------------
  {
    name: "flp/server/ping",
    reader: "server",
    frames: [ZID, PING],
    expect: { type: "ping" },
    source: HB,
  },
  {
    name: "flp/server/request",
    reader: "server",
    frames: [ZID, "1", "hello"],
    expect: { type: "request", control: "1", body: ["hello"] },
    source: RR,
  },
  {
    name: "flp/server/request-multipart-empty-control",
    reader: "server",
    frames: ["C1", "", "a", "", [0x00]],
    expect: { type: "request", control: "", body: ["a", "", [0x00]] },
    source: RR,
  },
  {
    name: "flp/server/request-whose-control-is-PING",
    reader: "server",
    frames: [ZID, "PING", "x"],
    expect: { type: "request", control: "PING", body: ["x"] },
    source: AMB,
  },
  {
    name: "flp/server/request-255-byte-control",
    reader: "server",
    frames: [ZID, "c".repeat(255), "x"],
    expect: { type: "request", control: "c".repeat(255), body: ["x"] },
    source: OURS,
  },
  // ---- server: malformed ----------------------------------------------------
  {
    name: "flp/server/not-an-array",
    reader: "server",
    raw: "PING",
    expect: err("NOT_FRAMES"),
    source: OURS,
  },
  {
    name: "flp/server/array-of-strings",
    reader: "server",
    raw: ["C1", "PING"],
    expect: err("NOT_FRAMES"),
    source: OURS,
  },
  {
    name: "flp/server/no-frames",
    reader: "server",
    frames: [],
    expect: err("TOO_FEW_FRAMES"),
    source: OURS,
  },
  {
    name: "flp/server/identity-only",
    reader: "server",
    frames: [ZID],
    expect: err("TOO_FEW_FRAMES"),
    source: OURS,
  },
  {
    name: "flp/server/empty-identity",
    reader: "server",
    frames: ["", PING],
    expect: err("BAD_IDENTITY", 0),
    source: OURS,
  },
  {
    name: "flp/server/256-byte-identity",
    reader: "server",
    frames: ["c".repeat(256), PING],
    expect: err("BAD_IDENTITY", 0),
    source: OURS,
  },
  {
    name: "flp/server/lowercase-ping",
    reader: "server",
    frames: [ZID, "ping"],
    expect: err("BAD_COMMAND", 1),
    source: OURS,
  },
  {
    name: "flp/server/control-without-body",
    reader: "server",
    frames: [ZID, "17"],
    expect: err("BAD_COMMAND", 1),
    source: AMB,
  },
  {
    name: "flp/server/empty-frame",
    reader: "server",
    frames: [ZID, ""],
    expect: err("BAD_COMMAND", 1),
    source: OURS,
  },
  {
    name: "flp/server/pong",
    reader: "server",
    frames: [ZID, PONG],
    expect: err("WRONG_DIRECTION", 1),
    source: OURS,
  },
  {
    name: "flp/server/256-byte-control",
    reader: "server",
    frames: [ZID, "c".repeat(256), "x"],
    expect: err("BAD_CONTROL", 1),
    source: OURS,
  },
  // ---- client (ROUTER view of a server): valid ----------------------------
  {
    name: "flp/client/pong",
    reader: "client",
    frames: [EP, PONG],
    expect: { type: "pong" },
    source: HB,
  },
  {
    name: "flp/client/reply",
    reader: "client",
    frames: [EP, "1", "OK"],
    expect: { type: "reply", control: "1", body: ["OK"] },
    source: RR,
  },
  {
    name: "flp/client/reply-multipart",
    reader: "client",
    frames: [EP, "42", "a", "", "b"],
    expect: { type: "reply", control: "42", body: ["a", "", "b"] },
    source: RR,
  },
  {
    name: "flp/client/reply-whose-control-is-PONG",
    reader: "client",
    frames: [EP, "PONG", "x"],
    expect: { type: "reply", control: "PONG", body: ["x"] },
    source: AMB,
  },
  // ---- client: malformed ----------------------------------------------------
  {
    name: "flp/client/not-an-array",
    reader: "client",
    raw: null,
    expect: err("NOT_FRAMES"),
    source: OURS,
  },
  {
    name: "flp/client/identity-only",
    reader: "client",
    frames: [EP],
    expect: err("TOO_FEW_FRAMES"),
    source: OURS,
  },
  {
    name: "flp/client/empty-identity",
    reader: "client",
    frames: ["", "1", "OK"],
    expect: err("BAD_IDENTITY", 0),
    source: OURS,
  },
  {
    name: "flp/client/ping",
    reader: "client",
    frames: [EP, PING],
    expect: err("WRONG_DIRECTION", 1),
    source: OURS,
  },
  {
    name: "flp/client/bare-reply-frame",
    reader: "client",
    frames: [EP, "OK"],
    expect: err("BAD_COMMAND", 1),
    source: AMB,
  },
  {
    name: "flp/client/256-byte-control",
    reader: "client",
    frames: [EP, "c".repeat(256), "OK"],
    expect: err("BAD_CONTROL", 1),
    source: OURS,
  },
];
