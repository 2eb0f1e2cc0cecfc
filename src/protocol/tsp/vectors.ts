/**
 * 9/TSP conformance vectors: the bodies Titanic reads (`titanic.request`,
 * and the UUID of `titanic.reply`/`titanic.close`) and the replies a
 * client reads, valid and malformed, each with the expected result. Only
 * the codec reads these (`codec_test.ts`); the Titanic service tests send
 * the malformed requests over the wire and expect 400.
 *
 * Readers: `titanic-store` ({@linkcode decodeStoreRequest}),
 * `titanic-uuid` (`decodeUuidRequest`), `client-store`
 * (`decodeStoreResult`), `client-reply` (`decodeReplyResult`),
 * `client-close` (`decodeCloseResult`).
 *
 * @module
 */
import type { Vector, VectorFrame } from "../_vector.ts";

/** Who decodes a 9/TSP vector. */
export type TspReader =
  | "titanic-store"
  | "titanic-uuid"
  | "client-store"
  | "client-reply"
  | "client-close";

/** An expected decoded TSP message, in vector notation. */
export interface TspExpect {
  /** The decoded `type`. */
  readonly type: "store" | "uuid" | "stored" | "reply" | "closed" | "status";
  /** The target service (`store`). */
  readonly service?: VectorFrame;
  /** The body (`store`: the request; `reply`: the stored reply). */
  readonly body?: readonly VectorFrame[];
  /** The UUID, upper case (`uuid`, `stored`). */
  readonly uuid?: VectorFrame;
  /** The status code (replies). */
  readonly status?: string;
  /** The text with a status (replies other than `stored` and `reply`). */
  readonly text?: VectorFrame;
}

/** The malformation classes a 9/TSP vector may expect. */
export type TspVectorCode =
  | "NOT_FRAMES"
  | "EMPTY"
  | "BAD_SERVICE"
  | "NO_BODY"
  | "BAD_UUID"
  | "EXTRA_FRAMES"
  | "BAD_STATUS"
  | "UNDEFINED_STATUS"
  | "MISSING_UUID";

/** One 9/TSP vector. */
export type TspVector = Vector<TspReader, TspExpect, TspVectorCode>;

const REQ = "RFC 9 § The titanic.request Service";
const REP = "RFC 9 § The titanic.reply Service";
const CLO = "RFC 9 § The titanic.close Service";
const STA = "RFC 9 § Status Frames";
const OURS = "docs/PROTOCOLS.md § 9/TSP";

const U = "0123456789ABCDEF0123456789ABCDEF";
const err = (error: TspVectorCode, frame = -1) => ({ error, frame });

/** Every 9/TSP vector. */
export const TSP_VECTORS: readonly TspVector[] = [
  // ---- titanic reads titanic.request --------------------------------------
  {
    name: "tsp/titanic-store/the-rfc-example",
    reader: "titanic-store",
    frames: ["echo", "Hello world"],
    expect: { type: "store", service: "echo", body: ["Hello world"] },
    source: REQ,
  },
  {
    name: "tsp/titanic-store/several-body-frames-one-empty",
    reader: "titanic-store",
    frames: ["echo", "a", "", "c"],
    expect: { type: "store", service: "echo", body: ["a", "", "c"] },
    source: REQ,
  },
  {
    name: "tsp/titanic-store/255-byte-service",
    reader: "titanic-store",
    frames: ["s".repeat(255), "x"],
    expect: { type: "store", service: "s".repeat(255), body: ["x"] },
    source: OURS,
  },
  {
    name: "tsp/titanic-store/utf8-service",
    reader: "titanic-store",
    frames: ["échos", [0, 255]],
    expect: { type: "store", service: "échos", body: [[0, 255]] },
    source: OURS,
  },
  {
    name: "tsp/titanic-store/not-frames",
    reader: "titanic-store",
    raw: ["echo", "x"],
    expect: err("NOT_FRAMES"),
    source: OURS,
  },
  {
    name: "tsp/titanic-store/no-frames",
    reader: "titanic-store",
    frames: [],
    expect: err("EMPTY"),
    source: REQ,
  },
  {
    name: "tsp/titanic-store/no-body (the poison message of the C broker)",
    reader: "titanic-store",
    frames: ["echo"],
    expect: err("NO_BODY"),
    source: REQ,
  },
  {
    name: "tsp/titanic-store/empty-service",
    reader: "titanic-store",
    frames: ["", "x"],
    expect: err("BAD_SERVICE", 0),
    source: OURS,
  },
  {
    name: "tsp/titanic-store/256-byte-service",
    reader: "titanic-store",
    frames: ["s".repeat(256), "x"],
    expect: err("BAD_SERVICE", 0),
    source: OURS,
  },
  {
    name: "tsp/titanic-store/control-character-in-service",
    reader: "titanic-store",
    frames: [[0x65, 0x0a, 0x68], "x"],
    expect: err("BAD_SERVICE", 0),
    source: OURS,
  },
  {
    name: "tsp/titanic-store/service-not-utf8",
    reader: "titanic-store",
    frames: [[0x65, 0xff, 0xfe], "x"],
    expect: err("BAD_SERVICE", 0),
    source: OURS,
  },
  // ---- titanic reads the UUID of titanic.reply / titanic.close ------------
  {
    name: "tsp/titanic-uuid/upper-case",
    reader: "titanic-uuid",
    frames: [U],
    expect: { type: "uuid", uuid: U },
    source: REP,
  },
  {
    name: "tsp/titanic-uuid/lower-case-is-normalized",
    reader: "titanic-uuid",
    frames: [U.toLowerCase()],
    expect: { type: "uuid", uuid: U },
    source: OURS,
  },
  {
    name: "tsp/titanic-uuid/path-traversal",
    reader: "titanic-uuid",
    frames: ["../../../../../../etc/passwd"],
    expect: err("BAD_UUID", 0),
    source: OURS,
  },
  {
    name: "tsp/titanic-uuid/32-characters-with-a-slash",
    reader: "titanic-uuid",
    frames: ["0123456789ABCDEF0123456789ABCD/."],
    expect: err("BAD_UUID", 0),
    source: OURS,
  },
  {
    name: "tsp/titanic-uuid/dashed-rfc4122-form",
    reader: "titanic-uuid",
    frames: ["01234567-89ab-cdef-0123-456789abcdef"],
    expect: err("BAD_UUID", 0),
    source: CLO,
  },
  {
    name: "tsp/titanic-uuid/31-characters",
    reader: "titanic-uuid",
    frames: [U.slice(1)],
    expect: err("BAD_UUID", 0),
    source: REP,
  },
  {
    name: "tsp/titanic-uuid/33-characters",
    reader: "titanic-uuid",
    frames: [U + "0"],
    expect: err("BAD_UUID", 0),
    source: REP,
  },
  {
    name: "tsp/titanic-uuid/g-is-not-hex (the RFC's A-Z means A-F)",
    reader: "titanic-uuid",
    frames: ["G123456789ABCDEF0123456789ABCDEF"],
    expect: err("BAD_UUID", 0),
    source: OURS,
  },
  {
    name: "tsp/titanic-uuid/nul-bytes",
    reader: "titanic-uuid",
    frames: [new Array(32).fill(0)],
    expect: err("BAD_UUID", 0),
    source: OURS,
  },
  {
    name: "tsp/titanic-uuid/empty-frame",
    reader: "titanic-uuid",
    frames: [""],
    expect: err("BAD_UUID", 0),
    source: REP,
  },
  {
    name: "tsp/titanic-uuid/no-frames",
    reader: "titanic-uuid",
    frames: [],
    expect: err("EMPTY"),
    source: REP,
  },
  {
    name: "tsp/titanic-uuid/a-frame-after-the-uuid",
    reader: "titanic-uuid",
    frames: [U, "x"],
    expect: err("EXTRA_FRAMES", 1),
    source: CLO,
  },
  {
    name: "tsp/titanic-uuid/not-frames",
    reader: "titanic-uuid",
    raw: "0123456789ABCDEF0123456789ABCDEF",
    expect: err("NOT_FRAMES"),
    source: OURS,
  },
  // ---- client reads the replies --------------------------------------------
  {
    name: "tsp/client-store/200-and-uuid",
    reader: "client-store",
    frames: ["200", U],
    expect: { type: "stored", status: "200", uuid: U },
    source: REQ,
  },
  {
    name: "tsp/client-store/500-with-a-reason-frame",
    reader: "client-store",
    frames: ["500", "disk full"],
    expect: { type: "status", status: "500", text: "disk full" },
    source: OURS,
  },
  {
    name: "tsp/client-store/400-with-text-in-the-status-frame",
    reader: "client-store",
    frames: ["400 no body"],
    expect: { type: "status", status: "400", text: "no body" },
    source: STA,
  },
  {
    name: "tsp/client-store/200-without-uuid",
    reader: "client-store",
    frames: ["200"],
    expect: err("MISSING_UUID", 1),
    source: REQ,
  },
  {
    name: "tsp/client-store/200-with-a-bad-uuid",
    reader: "client-store",
    frames: ["200", "../x"],
    expect: err("MISSING_UUID", 1),
    source: REQ,
  },
  {
    name: "tsp/client-reply/200-and-the-reply",
    reader: "client-reply",
    frames: ["200", "Hello world", "more"],
    expect: { type: "reply", status: "200", body: ["Hello world", "more"] },
    source: REP,
  },
  {
    name: "tsp/client-reply/200-and-an-empty-reply",
    reader: "client-reply",
    frames: ["200"],
    expect: { type: "reply", status: "200", body: [] },
    source: OURS,
  },
  {
    name: "tsp/client-reply/300-pending",
    reader: "client-reply",
    frames: ["300"],
    expect: { type: "status", status: "300", text: "" },
    source: STA,
  },
  {
    name: "tsp/client-reply/400-unknown",
    reader: "client-reply",
    frames: ["400"],
    expect: { type: "status", status: "400", text: "" },
    source: STA,
  },
  {
    name: "tsp/client-reply/500-parked-with-reason",
    reader: "client-reply",
    frames: ["500", "no reply after 5 attempts"],
    expect: {
      type: "status",
      status: "500",
      text: "no reply after 5 attempts",
    },
    source: OURS,
  },
  {
    name: "tsp/client-reply/404-is-mmi-not-tsp",
    reader: "client-reply",
    frames: ["404"],
    expect: err("UNDEFINED_STATUS", 0),
    source: STA,
  },
  {
    name: "tsp/client-reply/status-not-digits",
    reader: "client-reply",
    frames: ["OK"],
    expect: err("BAD_STATUS", 0),
    source: STA,
  },
  {
    name: "tsp/client-reply/digits-run-on-without-a-space",
    reader: "client-reply",
    frames: ["2000"],
    expect: err("BAD_STATUS", 0),
    source: STA,
  },
  {
    name: "tsp/client-reply/no-frames",
    reader: "client-reply",
    frames: [],
    expect: err("EMPTY"),
    source: REP,
  },
  {
    name: "tsp/client-reply/not-frames",
    reader: "client-reply",
    raw: [null],
    expect: err("NOT_FRAMES"),
    source: OURS,
  },
  {
    name: "tsp/client-close/200",
    reader: "client-close",
    frames: ["200"],
    expect: { type: "closed", status: "200", text: "" },
    source: CLO,
  },
  {
    name: "tsp/client-close/400-for-a-malformed-uuid",
    reader: "client-close",
    frames: ["400"],
    expect: { type: "status", status: "400", text: "" },
    source: OURS,
  },
  {
    name: "tsp/client-close/999",
    reader: "client-close",
    frames: ["999"],
    expect: err("UNDEFINED_STATUS", 0),
    source: STA,
  },
];
