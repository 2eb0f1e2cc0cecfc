/**
 * 6/PPP conformance vectors: valid and malformed messages for every command,
 * both directions and every malformation class, each with the expected
 * result. The codec's decoders, the core's TypeScript envelope and its
 * WebAssembly envelope are all held to this one list (`codec_test.ts`,
 * `../conformance_test.ts`).
 *
 * Readers: `queue` reads the queue backend's ROUTER view (frame 0 is the
 * worker's identity); `worker` reads the worker's DEALER view. Bytes are
 * spelled out here, never taken from `spec.ts`.
 *
 * @module
 */
import type { Vector, VectorFrame } from "../_vector.ts";

/** Who decodes a 6/PPP vector. */
export type PppReader = "queue" | "worker";

/** An expected 6/PPP message, in vector notation (`worker` is frame 0). */
export interface PppExpect {
  /** The decoded `type`. */
  readonly type: "ready" | "heartbeat" | "reply" | "request";
  /** The client address of a reply read by the queue. */
  readonly address?: VectorFrame;
  /** The address stack and delimiter of a request read by a worker. */
  readonly envelope?: readonly VectorFrame[];
  /** The body frames of a request or reply. */
  readonly body?: readonly VectorFrame[];
}

/** The malformation classes a 6/PPP vector may expect. */
export type PppVectorCode =
  | "NOT_FRAMES"
  | "TOO_FEW_FRAMES"
  | "BAD_COMMAND"
  | "WRONG_DIRECTION"
  | "BAD_ADDRESS"
  | "MISSING_DELIMITER"
  | "NO_BODY";

/** One 6/PPP vector. */
export type PppVector = Vector<PppReader, PppExpect, PppVectorCode>;

/** A libzmq-style generated identity: 0x00 then a 32-bit number. */
const ZID = [0x00, 0x80, 0x00, 0x41, 0xa7];
const A255 = "c".repeat(255);
const A256 = "c".repeat(256);
const CMD = "RFC 6 § Command Specifications";
const OURS = "docs/PROTOCOLS.md § 6/PPP: malformed input";
const AMBIGUOUS = "docs/PROTOCOLS.md § 6/PPP: commands and one-frame requests";

const err = (error: PppVectorCode, frame = -1) => ({ error, frame });

/** Every 6/PPP vector. */
export const PPP_VECTORS: readonly PppVector[] = [
  // ---- queue backend (ROUTER view): valid ---------------------------------
  {
    name: "ppp/queue/ready",
    reader: "queue",
    frames: [ZID, [0x01]],
    expect: { type: "ready" },
    source: CMD,
  },
  {
    name: "ppp/queue/heartbeat",
    reader: "queue",
    frames: ["W1", [0x02]],
    expect: { type: "heartbeat" },
    source: CMD,
  },
  {
    name: "ppp/queue/reply",
    reader: "queue",
    frames: [ZID, "C1", "", "17"],
    expect: { type: "reply", address: "C1", body: ["17"] },
    source: CMD,
  },
  {
    name: "ppp/queue/reply-multipart-255-byte-address",
    reader: "queue",
    frames: ["W1", A255, "", "a", "", [0x01]],
    expect: { type: "reply", address: A255, body: ["a", "", [0x01]] },
    source: CMD,
  },
  // ---- queue backend: malformed --------------------------------------------
  {
    name: "ppp/queue/not-an-array",
    reader: "queue",
    raw: { length: 2 },
    expect: err("NOT_FRAMES"),
    source: OURS,
  },
  {
    name: "ppp/queue/no-frames",
    reader: "queue",
    frames: [],
    expect: err("TOO_FEW_FRAMES"),
    source: OURS,
  },
  {
    name: "ppp/queue/identity-only",
    reader: "queue",
    frames: ["W1"],
    expect: err("TOO_FEW_FRAMES"),
    source: OURS,
  },
  {
    name: "ppp/queue/unknown-command",
    reader: "queue",
    frames: ["W1", [0x03]],
    expect: err("BAD_COMMAND", 1),
    source: OURS,
  },
  {
    name: "ppp/queue/command-zero",
    reader: "queue",
    frames: ["W1", [0x00]],
    expect: err("BAD_COMMAND", 1),
    source: OURS,
  },
  {
    name: "ppp/queue/command-two-bytes",
    reader: "queue",
    frames: ["W1", [0x01, 0x00]],
    expect: err("BAD_COMMAND", 1),
    source: OURS,
  },
  {
    name: "ppp/queue/command-empty",
    reader: "queue",
    frames: ["W1", ""],
    expect: err("BAD_COMMAND", 1),
    source: OURS,
  },
  {
    name: "ppp/queue/command-as-text-ready",
    reader: "queue",
    frames: ["W1", "READY"],
    expect: err("BAD_COMMAND", 1),
    source: "docs/PROTOCOLS.md § 6/PPP: peers that send text",
  },
  {
    name: "ppp/queue/command-as-text-heartbeat",
    reader: "queue",
    frames: ["W1", "HEARTBEAT"],
    expect: err("BAD_COMMAND", 1),
    source: "docs/PROTOCOLS.md § 6/PPP: peers that send text",
  },
  {
    name: "ppp/queue/reply-empty-address",
    reader: "queue",
    frames: ["W1", "", "", "x"],
    expect: err("BAD_ADDRESS", 1),
    source: OURS,
  },
  {
    name: "ppp/queue/simple-pirate-ready-behind-delimiter",
    reader: "queue",
    frames: ["W1", "", [0x01]],
    expect: err("BAD_ADDRESS", 1),
    source: "docs/PROTOCOLS.md § 6/PPP: malformed input (REQ workers)",
  },
  {
    name: "ppp/queue/reply-256-byte-address",
    reader: "queue",
    frames: ["W1", A256, "", "x"],
    expect: err("BAD_ADDRESS", 1),
    source: OURS,
  },
  {
    name: "ppp/queue/reply-no-delimiter",
    reader: "queue",
    frames: ["W1", "C1", "x", "y"],
    expect: err("MISSING_DELIMITER", 2),
    source: CMD,
  },
  {
    name: "ppp/queue/reply-three-frames-no-delimiter",
    reader: "queue",
    frames: ["W1", "C1", "x"],
    expect: err("MISSING_DELIMITER", 2),
    source: CMD,
  },
  {
    name: "ppp/queue/reply-address-stack",
    reader: "queue",
    frames: ["W1", "P1", "C1", "", "x"],
    expect: err("MISSING_DELIMITER", 2),
    source: "docs/PROTOCOLS.md § 6/PPP: one address at the queue",
  },
  {
    name: "ppp/queue/reply-no-body",
    reader: "queue",
    frames: ["W1", "C1", ""],
    expect: err("NO_BODY"),
    source: CMD,
  },
  // ---- worker (DEALER view): valid -----------------------------------------
  {
    name: "ppp/worker/heartbeat",
    reader: "worker",
    frames: [[0x02]],
    expect: { type: "heartbeat" },
    source: CMD,
  },
  {
    name: "ppp/worker/request",
    reader: "worker",
    frames: [ZID, "", "17"],
    expect: { type: "request", envelope: [ZID, ""], body: ["17"] },
    source: CMD,
  },
  {
    name: "ppp/worker/request-address-stack",
    reader: "worker",
    frames: ["P", "C1", "", "a", "b"],
    expect: { type: "request", envelope: ["P", "C1", ""], body: ["a", "b"] },
    source: CMD,
  },
  {
    name: "ppp/worker/request-whose-body-looks-like-a-command",
    reader: "worker",
    frames: ["C1", "", [0x02]],
    expect: { type: "request", envelope: ["C1", ""], body: [[0x02]] },
    source: AMBIGUOUS,
  },
  {
    name: "ppp/worker/request-body-with-empty-frames",
    reader: "worker",
    frames: ["C1", "", "", "x", ""],
    expect: { type: "request", envelope: ["C1", ""], body: ["", "x", ""] },
    source: CMD,
  },
  // ---- worker: malformed ---------------------------------------------------
  {
    name: "ppp/worker/not-bytes",
    reader: "worker",
    raw: ["x"],
    expect: err("NOT_FRAMES"),
    source: OURS,
  },
  {
    name: "ppp/worker/no-frames",
    reader: "worker",
    frames: [],
    expect: err("TOO_FEW_FRAMES"),
    source: OURS,
  },
  {
    name: "ppp/worker/ready-from-queue",
    reader: "worker",
    frames: [[0x01]],
    expect: err("WRONG_DIRECTION", 0),
    source: CMD,
  },
  {
    name: "ppp/worker/command-two-bytes",
    reader: "worker",
    frames: [[0x02, 0x02]],
    expect: err("BAD_COMMAND", 0),
    source: OURS,
  },
  {
    name: "ppp/worker/command-unknown",
    reader: "worker",
    frames: [[0x03]],
    expect: err("BAD_COMMAND", 0),
    source: OURS,
  },
  {
    name: "ppp/worker/command-empty",
    reader: "worker",
    frames: [""],
    expect: err("BAD_COMMAND", 0),
    source: OURS,
  },
  {
    name: "ppp/worker/command-as-text",
    reader: "worker",
    frames: ["HEARTBEAT"],
    expect: err("BAD_COMMAND", 0),
    source: "docs/PROTOCOLS.md § 6/PPP: peers that send text",
  },
  {
    name: "ppp/worker/one-frame-request",
    reader: "worker",
    frames: ["17"],
    expect: err("BAD_COMMAND", 0),
    source: AMBIGUOUS,
  },
  {
    name: "ppp/worker/request-no-address",
    reader: "worker",
    frames: ["", "17"],
    expect: err("BAD_ADDRESS", 0),
    source: OURS,
  },
  {
    name: "ppp/worker/request-no-delimiter",
    reader: "worker",
    frames: ["C1", "17"],
    expect: err("MISSING_DELIMITER"),
    source: CMD,
  },
  {
    name: "ppp/worker/request-no-body",
    reader: "worker",
    frames: ["C1", ""],
    expect: err("NO_BODY"),
    source: CMD,
  },
];
