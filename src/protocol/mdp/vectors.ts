/**
 * 7/MDP conformance vectors: valid and malformed messages for every
 * command, every direction and every malformation class, each with the
 * expected result. The codec's decoders, the core's TypeScript envelope and
 * its WebAssembly envelope are all held to this one list
 * (`codec_test.ts`, `../conformance_test.ts`).
 *
 * Readers: `broker` reads a ROUTER's view (frame 0 is the sender's
 * identity); `worker` and `client` read a DEALER's view (the wire frames).
 * Bytes are spelled out here, never taken from `spec.ts`.
 *
 * @module
 */
import type { Vector, VectorFrame } from "../_vector.ts";

/** Who decodes a 7/MDP vector. */
export type MdpReader = "broker" | "worker" | "client";

/** An expected 7/MDP message, in vector notation (`sender` is frame 0). */
export interface MdpExpect {
  /** The decoded `type`. */
  readonly type:
    | "client-request"
    | "ready"
    | "reply"
    | "request"
    | "heartbeat"
    | "disconnect";
  /** The service frame, when the message has one. */
  readonly service?: VectorFrame;
  /** The client address frame, when the message has one. */
  readonly address?: VectorFrame;
  /** The body frames, when the message has them. */
  readonly body?: readonly VectorFrame[];
}

/** The malformation classes a 7/MDP vector may expect. */
export type MdpVectorCode =
  | "NOT_FRAMES"
  | "TOO_FEW_FRAMES"
  | "DELIMITER_NOT_EMPTY"
  | "UNKNOWN_HEADER"
  | "EMPTY_SERVICE"
  | "BAD_COMMAND"
  | "WRONG_DIRECTION"
  | "WRONG_FRAME_COUNT"
  | "BAD_ADDRESS"
  | "MISSING_DELIMITER";

/** One 7/MDP vector. */
export type MdpVector = Vector<MdpReader, MdpExpect, MdpVectorCode>;

const C = "MDPC01";
const W = "MDPW01";
/** A libzmq-style generated identity: 0x00 then a 32-bit number. */
const ZID = [0x00, 0x6b, 0x8b, 0x45, 0x67];
/** A 17-byte identity (libzmq 2.x UUID style). */
const UUID17 = [0, ...Array.from({ length: 16 }, (_, i) => 0xa0 + i)];
const A255 = "a".repeat(255);
const A256 = "a".repeat(256);
const CLIENT = "RFC 7 § MDP/Client";
const WORKER = "RFC 7 § MDP/Worker";
const ADDRESS = "RFC 7 § Request and Reply Processing";
const BAD = "docs/PROTOCOLS.md § 7/MDP: malformed input";
const V02 = "docs/PROTOCOLS.md § 7/MDP: 18/MDP (0.2) peers";

const err = (error: MdpVectorCode, frame = -1) => ({ error, frame });

/** Every 7/MDP vector. */
export const MDP_VECTORS: readonly MdpVector[] = [
  // ---- broker: valid ------------------------------------------------------
  {
    name: "mdp/broker/client-request",
    reader: "broker",
    frames: ["C1", "", C, "echo", "hi"],
    expect: { type: "client-request", service: "echo", body: ["hi"] },
    source: CLIENT,
  },
  {
    name: "mdp/broker/client-request-multipart-body",
    reader: "broker",
    frames: [ZID, "", C, "echo", "a", "", [0xff, 0x00]],
    expect: {
      type: "client-request",
      service: "echo",
      body: ["a", "", [0xff, 0x00]],
    },
    source: CLIENT,
  },
  {
    name: "mdp/broker/client-request-binary-service-uuid-sender",
    reader: "broker",
    frames: [UUID17, "", C, [0x00, 0xff], "x"],
    expect: { type: "client-request", service: [0x00, 0xff], body: ["x"] },
    source: "docs/PROTOCOLS.md § 7/MDP: identities and names",
  },
  {
    name: "mdp/broker/client-request-long-service",
    reader: "broker",
    frames: ["C1", "", C, A256, "x"],
    expect: { type: "client-request", service: A256, body: ["x"] },
    source: "docs/PROTOCOLS.md § 7/MDP: identities and names",
  },
  {
    name: "mdp/broker/mmi-query-is-a-client-request",
    reader: "broker",
    frames: ["C1", "", C, "mmi.service", "echo"],
    expect: {
      type: "client-request",
      service: "mmi.service",
      body: ["echo"],
    },
    source: "RFC 8 § Namespace",
  },
  {
    name: "mdp/broker/ready",
    reader: "broker",
    frames: ["W1", "", W, [0x01], "echo"],
    expect: { type: "ready", service: "echo" },
    source: WORKER,
  },
  {
    name: "mdp/broker/ready-mmi-service-is-well-formed",
    reader: "broker",
    frames: ["W1", "", W, [0x01], "mmi.service"],
    expect: { type: "ready", service: "mmi.service" },
    source: "RFC 8 § Namespace (the broker, not the codec, refuses it)",
  },
  {
    name: "mdp/broker/reply",
    reader: "broker",
    frames: ["W1", "", W, [0x03], "C1", "", "r"],
    expect: { type: "reply", address: "C1", body: ["r"] },
    source: WORKER,
  },
  {
    name: "mdp/broker/reply-multipart-255-byte-address",
    reader: "broker",
    frames: [ZID, "", W, [0x03], A255, "", "a", "", "c"],
    expect: { type: "reply", address: A255, body: ["a", "", "c"] },
    source: ADDRESS,
  },
  {
    name: "mdp/broker/heartbeat",
    reader: "broker",
    frames: ["W1", "", W, [0x04]],
    expect: { type: "heartbeat" },
    source: WORKER,
  },
  {
    name: "mdp/broker/disconnect",
    reader: "broker",
    frames: ["W1", "", W, [0x05]],
    expect: { type: "disconnect" },
    source: WORKER,
  },
  {
    name: "mdp/broker/request-from-worker-is-valid-but-unexpected",
    reader: "broker",
    frames: ["W1", "", W, [0x02], "C1", "", "x"],
    expect: { type: "request", address: "C1", body: ["x"] },
    source: "RFC 7 § Opening and Closing a Connection",
  },
  // ---- broker: malformed --------------------------------------------------
  {
    name: "mdp/broker/not-an-array",
    reader: "broker",
    raw: "junk",
    expect: err("NOT_FRAMES"),
    source: BAD,
  },
  {
    name: "mdp/broker/not-bytes",
    reader: "broker",
    raw: [new Uint8Array(1), "", "MDPC01"],
    expect: err("NOT_FRAMES"),
    source: BAD,
  },
  {
    name: "mdp/broker/no-frames",
    reader: "broker",
    frames: [],
    expect: err("TOO_FEW_FRAMES"),
    source: BAD,
  },
  {
    name: "mdp/broker/identity-only",
    reader: "broker",
    frames: ["C1"],
    expect: err("TOO_FEW_FRAMES"),
    source: BAD,
  },
  {
    name: "mdp/broker/no-header",
    reader: "broker",
    frames: ["C1", ""],
    expect: err("TOO_FEW_FRAMES"),
    source: BAD,
  },
  {
    name: "mdp/broker/delimiter-not-empty",
    reader: "broker",
    frames: ["C1", "x", C, "echo", "hi"],
    expect: err("DELIMITER_NOT_EMPTY", 1),
    source: BAD,
  },
  {
    name: "mdp/broker/v02-client-request",
    reader: "broker",
    frames: ["C1", "MDPC02", [0x01], "echo", "hi"],
    expect: err("DELIMITER_NOT_EMPTY", 1),
    source: V02,
  },
  {
    name: "mdp/broker/v02-worker-ready",
    reader: "broker",
    frames: ["W1", "MDPW02", [0x01], "echo"],
    expect: err("DELIMITER_NOT_EMPTY", 1),
    source: V02,
  },
  {
    name: "mdp/broker/v02-client-header",
    reader: "broker",
    frames: ["C1", "", "MDPC02", "echo", "hi"],
    expect: err("UNKNOWN_HEADER", 2),
    source: V02,
  },
  {
    name: "mdp/broker/v02-worker-header",
    reader: "broker",
    frames: ["W1", "", "MDPW02", [0x05]],
    expect: err("UNKNOWN_HEADER", 2),
    source: V02,
  },
  {
    name: "mdp/broker/header-lowercase",
    reader: "broker",
    frames: ["C1", "", "mdpc01", "echo", "hi"],
    expect: err("UNKNOWN_HEADER", 2),
    source: BAD,
  },
  {
    name: "mdp/broker/header-neither-client-nor-worker",
    reader: "broker",
    frames: ["C1", "", "MDPX01", "echo", "hi"],
    expect: err("UNKNOWN_HEADER", 2),
    source: BAD,
  },
  {
    name: "mdp/broker/header-with-terminator",
    reader: "broker",
    frames: ["C1", "", [0x4d, 0x44, 0x50, 0x43, 0x30, 0x31, 0x00], "e", "x"],
    expect: err("UNKNOWN_HEADER", 2),
    source: BAD,
  },
  {
    name: "mdp/broker/header-truncated",
    reader: "broker",
    frames: ["C1", "", "MDPC0", "echo", "hi"],
    expect: err("UNKNOWN_HEADER", 2),
    source: BAD,
  },
  {
    name: "mdp/broker/header-empty",
    reader: "broker",
    frames: ["C1", "", "", "echo", "hi"],
    expect: err("UNKNOWN_HEADER", 2),
    source: BAD,
  },
  {
    name: "mdp/broker/client-request-no-body",
    reader: "broker",
    frames: ["C1", "", C, "echo"],
    expect: err("TOO_FEW_FRAMES"),
    source: BAD,
  },
  {
    name: "mdp/broker/client-request-header-only",
    reader: "broker",
    frames: ["C1", "", C],
    expect: err("TOO_FEW_FRAMES"),
    source: BAD,
  },
  {
    name: "mdp/broker/client-request-empty-service",
    reader: "broker",
    frames: ["C1", "", C, "", "hi"],
    expect: err("EMPTY_SERVICE", 3),
    source: BAD,
  },
  {
    name: "mdp/broker/worker-header-only",
    reader: "broker",
    frames: ["W1", "", W],
    expect: err("TOO_FEW_FRAMES"),
    source: BAD,
  },
  {
    name: "mdp/broker/command-two-bytes",
    reader: "broker",
    frames: ["W1", "", W, [0x04, 0x04]],
    expect: err("BAD_COMMAND", 3),
    source: BAD,
  },
  {
    name: "mdp/broker/command-empty",
    reader: "broker",
    frames: ["W1", "", W, ""],
    expect: err("BAD_COMMAND", 3),
    source: BAD,
  },
  {
    name: "mdp/broker/command-zero",
    reader: "broker",
    frames: ["W1", "", W, [0x00]],
    expect: err("BAD_COMMAND", 3),
    source: BAD,
  },
  {
    name: "mdp/broker/command-six",
    reader: "broker",
    frames: ["W1", "", W, [0x06]],
    expect: err("BAD_COMMAND", 3),
    source: BAD,
  },
  {
    name: "mdp/broker/command-ff",
    reader: "broker",
    frames: ["W1", "", W, [0xff], "echo"],
    expect: err("BAD_COMMAND", 3),
    source: BAD,
  },
  {
    name: "mdp/broker/command-ascii-digit",
    reader: "broker",
    frames: ["W1", "", W, "1", "echo"],
    expect: err("BAD_COMMAND", 3),
    source: BAD,
  },
  {
    name: "mdp/broker/command-as-text",
    reader: "broker",
    frames: ["W1", "", W, "READY", "echo"],
    expect: err("BAD_COMMAND", 3),
    source: BAD,
  },
  {
    name: "mdp/broker/ready-without-service",
    reader: "broker",
    frames: ["W1", "", W, [0x01]],
    expect: err("WRONG_FRAME_COUNT"),
    source: BAD,
  },
  {
    name: "mdp/broker/ready-extra-frame",
    reader: "broker",
    frames: ["W1", "", W, [0x01], "echo", "x"],
    expect: err("WRONG_FRAME_COUNT"),
    source: WORKER,
  },
  {
    name: "mdp/broker/ready-empty-service",
    reader: "broker",
    frames: ["W1", "", W, [0x01], ""],
    expect: err("EMPTY_SERVICE", 4),
    source: BAD,
  },
  {
    name: "mdp/broker/reply-no-body",
    reader: "broker",
    frames: ["W1", "", W, [0x03], "C1", ""],
    expect: err("WRONG_FRAME_COUNT"),
    source: BAD,
  },
  {
    name: "mdp/broker/reply-address-only",
    reader: "broker",
    frames: ["W1", "", W, [0x03], "C1"],
    expect: err("WRONG_FRAME_COUNT"),
    source: BAD,
  },
  {
    name: "mdp/broker/reply-empty-address",
    reader: "broker",
    frames: ["W1", "", W, [0x03], "", "", "x"],
    expect: err("BAD_ADDRESS", 4),
    source: ADDRESS,
  },
  {
    name: "mdp/broker/reply-256-byte-address",
    reader: "broker",
    frames: ["W1", "", W, [0x03], A256, "", "x"],
    expect: err("BAD_ADDRESS", 4),
    source: ADDRESS,
  },
  {
    name: "mdp/broker/reply-no-delimiter",
    reader: "broker",
    frames: ["W1", "", W, [0x03], "C1", "x", "y"],
    expect: err("MISSING_DELIMITER", 5),
    source: ADDRESS,
  },
  {
    name: "mdp/broker/reply-address-stack",
    reader: "broker",
    frames: ["W1", "", W, [0x03], "P1", "C1", "", "x"],
    expect: err("MISSING_DELIMITER", 5),
    source: "RFC 7 § Request and Reply Processing (precisely one address)",
  },
  {
    name: "mdp/broker/request-from-worker-empty-address",
    reader: "broker",
    frames: ["W1", "", W, [0x02], "", "", "x"],
    expect: err("BAD_ADDRESS", 4),
    source: ADDRESS,
  },
  {
    name: "mdp/broker/heartbeat-extra-frame",
    reader: "broker",
    frames: ["W1", "", W, [0x04], ""],
    expect: err("WRONG_FRAME_COUNT"),
    source: WORKER,
  },
  {
    name: "mdp/broker/disconnect-extra-frame",
    reader: "broker",
    frames: ["W1", "", W, [0x05], "bye"],
    expect: err("WRONG_FRAME_COUNT"),
    source: WORKER,
  },
  // ---- worker (DEALER view): valid ----------------------------------------
  {
    name: "mdp/worker/request",
    reader: "worker",
    frames: ["", W, [0x02], ZID, "", "hi"],
    expect: { type: "request", address: ZID, body: ["hi"] },
    source: WORKER,
  },
  {
    name: "mdp/worker/request-multipart-body",
    reader: "worker",
    frames: ["", W, [0x02], "C1", "", "a", "", "c"],
    expect: { type: "request", address: "C1", body: ["a", "", "c"] },
    source: WORKER,
  },
  {
    name: "mdp/worker/heartbeat",
    reader: "worker",
    frames: ["", W, [0x04]],
    expect: { type: "heartbeat" },
    source: WORKER,
  },
  {
    name: "mdp/worker/disconnect",
    reader: "worker",
    frames: ["", W, [0x05]],
    expect: { type: "disconnect" },
    source: "RFC 7 § Opening and Closing a Connection",
  },
  // ---- worker: malformed --------------------------------------------------
  {
    name: "mdp/worker/not-an-array",
    reader: "worker",
    raw: null,
    expect: err("NOT_FRAMES"),
    source: BAD,
  },
  {
    name: "mdp/worker/no-frames",
    reader: "worker",
    frames: [],
    expect: err("TOO_FEW_FRAMES"),
    source: BAD,
  },
  {
    name: "mdp/worker/empty-frame-only",
    reader: "worker",
    frames: [""],
    expect: err("TOO_FEW_FRAMES"),
    source: BAD,
  },
  {
    name: "mdp/worker/delimiter-not-empty",
    reader: "worker",
    frames: ["x", W, [0x04]],
    expect: err("DELIMITER_NOT_EMPTY", 0),
    source: BAD,
  },
  {
    name: "mdp/worker/client-header",
    reader: "worker",
    frames: ["", C, "echo", "x"],
    expect: err("UNKNOWN_HEADER", 1),
    source: BAD,
  },
  {
    name: "mdp/worker/v02-header",
    reader: "worker",
    frames: ["", "MDPW02", [0x05]],
    expect: err("UNKNOWN_HEADER", 1),
    source: V02,
  },
  {
    name: "mdp/worker/no-command",
    reader: "worker",
    frames: ["", W],
    expect: err("TOO_FEW_FRAMES"),
    source: BAD,
  },
  {
    name: "mdp/worker/command-two-bytes",
    reader: "worker",
    frames: ["", W, [0x04, 0x04]],
    expect: err("BAD_COMMAND", 2),
    source: BAD,
  },
  {
    name: "mdp/worker/command-unknown",
    reader: "worker",
    frames: ["", W, [0x09]],
    expect: err("BAD_COMMAND", 2),
    source: BAD,
  },
  {
    name: "mdp/worker/ready-from-broker",
    reader: "worker",
    frames: ["", W, [0x01], "echo"],
    expect: err("WRONG_DIRECTION", 2),
    source: "docs/PROTOCOLS.md § 7/MDP: malformed input (direction)",
  },
  {
    name: "mdp/worker/reply-from-broker",
    reader: "worker",
    frames: ["", W, [0x03], "C1", "", "x"],
    expect: err("WRONG_DIRECTION", 2),
    source: "docs/PROTOCOLS.md § 7/MDP: malformed input (direction)",
  },
  {
    name: "mdp/worker/request-no-body",
    reader: "worker",
    frames: ["", W, [0x02], "C1", ""],
    expect: err("WRONG_FRAME_COUNT"),
    source: BAD,
  },
  {
    name: "mdp/worker/request-empty-address",
    reader: "worker",
    frames: ["", W, [0x02], "", "", "x"],
    expect: err("BAD_ADDRESS", 3),
    source: ADDRESS,
  },
  {
    name: "mdp/worker/request-no-delimiter",
    reader: "worker",
    frames: ["", W, [0x02], "C1", [0x01], "x"],
    expect: err("MISSING_DELIMITER", 4),
    source: ADDRESS,
  },
  {
    name: "mdp/worker/heartbeat-extra-frame",
    reader: "worker",
    frames: ["", W, [0x04], ""],
    expect: err("WRONG_FRAME_COUNT"),
    source: WORKER,
  },
  {
    name: "mdp/worker/disconnect-extra-frame",
    reader: "worker",
    frames: ["", W, [0x05], "x"],
    expect: err("WRONG_FRAME_COUNT"),
    source: WORKER,
  },
  // ---- client (DEALER view): valid ----------------------------------------
  {
    name: "mdp/client/reply",
    reader: "client",
    frames: ["", C, "echo", "hi"],
    expect: { type: "reply", service: "echo", body: ["hi"] },
    source: CLIENT,
  },
  {
    name: "mdp/client/reply-multipart-body",
    reader: "client",
    frames: ["", C, "echo", "a", "", "c"],
    expect: { type: "reply", service: "echo", body: ["a", "", "c"] },
    source: CLIENT,
  },
  {
    name: "mdp/client/mmi-reply",
    reader: "client",
    frames: ["", C, "mmi.service", "200"],
    expect: { type: "reply", service: "mmi.service", body: ["200"] },
    source: "RFC 8 § Default services",
  },
  // ---- client: malformed --------------------------------------------------
  {
    name: "mdp/client/not-bytes",
    reader: "client",
    raw: [1, 2, 3],
    expect: err("NOT_FRAMES"),
    source: BAD,
  },
  {
    name: "mdp/client/no-frames",
    reader: "client",
    frames: [],
    expect: err("TOO_FEW_FRAMES"),
    source: BAD,
  },
  {
    name: "mdp/client/no-body",
    reader: "client",
    frames: ["", C, "echo"],
    expect: err("TOO_FEW_FRAMES"),
    source: BAD,
  },
  {
    name: "mdp/client/delimiter-not-empty",
    reader: "client",
    frames: ["x", C, "echo", "hi"],
    expect: err("DELIMITER_NOT_EMPTY", 0),
    source: BAD,
  },
  {
    name: "mdp/client/req-socket-view",
    reader: "client",
    frames: [C, "echo", "hi"],
    expect: err("DELIMITER_NOT_EMPTY", 0),
    source: CLIENT,
  },
  {
    name: "mdp/client/worker-header",
    reader: "client",
    frames: ["", W, [0x04]],
    expect: err("UNKNOWN_HEADER", 1),
    source: BAD,
  },
  {
    name: "mdp/client/v02-header",
    reader: "client",
    frames: ["", "MDPC02", [0x03], "echo", "hi"],
    expect: err("UNKNOWN_HEADER", 1),
    source: V02,
  },
  {
    name: "mdp/client/empty-service",
    reader: "client",
    frames: ["", C, "", "hi"],
    expect: err("EMPTY_SERVICE", 2),
    source: BAD,
  },
];
