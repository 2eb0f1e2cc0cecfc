/**
 * Binary Star conformance vectors: state messages as the peer's SUB socket
 * receives them, valid and malformed, each with the expected result. Only
 * the codec reads these (`codec_test.ts`); the pair's tests
 * (tests/binary_star/) publish the malformed ones over the wire and expect
 * them dropped and counted.
 *
 * Reader: `peer` decodes a received state message into the sender's state
 * number.
 *
 * @module
 */
import type { Vector } from "../_vector.ts";

/** Who decodes a Binary Star vector. */
export type BstarReader = "peer";

/** An expected decoded state message: the sender's state number. */
export interface BstarExpect {
  /** 1 PRIMARY, 2 BACKUP, 3 ACTIVE, 4 PASSIVE. */
  readonly state: number;
}

/** The malformation classes a Binary Star vector may expect. */
export type BstarVectorCode = "NOT_FRAMES" | "FRAME_COUNT" | "BAD_STATE";

/** One Binary Star vector. */
export type BstarVector = Vector<BstarReader, BstarExpect, BstarVectorCode>;

const GUIDE = "zguide ch. 4 § High-Availability Pair (bstarsrv)";
const OURS = "docs/PROTOCOLS.md § Binary Star: malformed input";

const err = (error: BstarVectorCode, frame = -1) => ({ error, frame });

/** Every Binary Star vector. */
export const BSTAR_VECTORS: readonly BstarVector[] = [
  // ---- valid: one frame, one ASCII digit ------------------------------------
  {
    name: "bstar/peer/primary",
    reader: "peer",
    frames: ["1"],
    expect: { state: 1 },
    source: GUIDE,
  },
  {
    name: "bstar/peer/backup",
    reader: "peer",
    frames: [[0x32]],
    expect: { state: 2 },
    source: GUIDE,
  },
  {
    name: "bstar/peer/active",
    reader: "peer",
    frames: ["3"],
    expect: { state: 3 },
    source: GUIDE,
  },
  {
    name: "bstar/peer/passive",
    reader: "peer",
    frames: ["4"],
    expect: { state: 4 },
    source: GUIDE,
  },
  // ---- malformed ---------------------------------------------------------------
  {
    name: "bstar/peer/not-an-array",
    reader: "peer",
    raw: "3",
    expect: err("NOT_FRAMES"),
    source: OURS,
  },
  {
    name: "bstar/peer/not-bytes",
    reader: "peer",
    raw: ["3"],
    expect: err("NOT_FRAMES"),
    source: OURS,
  },
  {
    name: "bstar/peer/no-frames",
    reader: "peer",
    frames: [],
    expect: err("FRAME_COUNT"),
    source: OURS,
  },
  {
    name: "bstar/peer/two-frames",
    reader: "peer",
    frames: ["3", "3"],
    expect: err("FRAME_COUNT"),
    source: OURS,
  },
  {
    name: "bstar/peer/empty-frame",
    reader: "peer",
    frames: [""],
    expect: err("BAD_STATE", 0),
    source: OURS,
  },
  {
    name: "bstar/peer/zero",
    reader: "peer",
    frames: ["0"],
    expect: err("BAD_STATE", 0),
    source: OURS,
  },
  {
    name: "bstar/peer/five",
    reader: "peer",
    frames: ["5"],
    expect: err("BAD_STATE", 0),
    source: OURS,
  },
  {
    name: "bstar/peer/binary-state-number",
    reader: "peer",
    frames: [[0x03]],
    expect: err("BAD_STATE", 0),
    source: OURS,
  },
  {
    name: "bstar/peer/two-digits",
    reader: "peer",
    frames: ["33"],
    expect: err("BAD_STATE", 0),
    source: OURS,
  },
  {
    name: "bstar/peer/c-string-with-nul",
    reader: "peer",
    frames: [[0x33, 0x00]],
    expect: err("BAD_STATE", 0),
    source: OURS,
  },
  {
    name: "bstar/peer/letter",
    reader: "peer",
    frames: ["A"],
    expect: err("BAD_STATE", 0),
    source: OURS,
  },
];
