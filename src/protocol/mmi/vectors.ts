/**
 * 8/MMI conformance vectors: queries as the broker reads them and replies
 * as a client reads them, valid and malformed, each with the expected
 * result. MMI is decoded above the core (the envelope classifies the
 * carrying 7/MDP message, see `../mdp/vectors.ts`), so only the codec reads
 * these (`codec_test.ts`).
 *
 * Readers: `broker` decodes a query from its `service` name and `frames`
 * (the request body); `client` decodes a reply body from `frames`.
 *
 * @module
 */
import type { Vector, VectorFrame } from "../_vector.ts";

/** Who decodes an 8/MMI vector. */
export type MmiReader = "broker" | "client";

/** An expected MMI query or reply, in vector notation. */
export interface MmiExpect {
  /** The decoded `type`. */
  readonly type: "service" | "stats" | "not-implemented" | "status";
  /** The service asked about (`mmi.service` queries). */
  readonly name?: VectorFrame;
  /** The status code (replies). */
  readonly status?: string;
  /** The frames after the status (replies). */
  readonly rest?: readonly VectorFrame[];
}

/** The malformation classes an 8/MMI vector may expect. */
export type MmiVectorCode =
  | "NOT_FRAMES"
  | "NOT_MMI"
  | "NO_BODY"
  | "EMPTY_SERVICE"
  | "BAD_STATUS";

/** One 8/MMI vector: `service` is the query's service frame (broker only). */
export type MmiVector = Vector<MmiReader, MmiExpect, MmiVectorCode> & {
  readonly service?: VectorFrame;
};

const SVC = "RFC 8 § Default services";
const NS = "RFC 8 § Namespace";
const OURS = "docs/PROTOCOLS.md § 8/MMI";

const err = (error: MmiVectorCode, frame = -1) => ({ error, frame });

/** Every 8/MMI vector. */
export const MMI_VECTORS: readonly MmiVector[] = [
  // ---- broker: queries ------------------------------------------------------
  {
    name: "mmi/broker/service-query",
    reader: "broker",
    service: "mmi.service",
    frames: ["echo"],
    expect: { type: "service", name: "echo" },
    source: SVC,
  },
  {
    name: "mmi/broker/service-query-extra-frames-ignored",
    reader: "broker",
    service: "mmi.service",
    frames: ["echo", "extra"],
    expect: { type: "service", name: "echo" },
    source: OURS,
  },
  {
    name: "mmi/broker/stats-query",
    reader: "broker",
    service: "mmi.stats",
    frames: ["stats"],
    expect: { type: "stats" },
    source: OURS,
  },
  {
    name: "mmi/broker/unknown-mmi-service",
    reader: "broker",
    service: "mmi.list",
    frames: ["x"],
    expect: { type: "not-implemented" },
    source: SVC,
  },
  {
    name: "mmi/broker/prefix-alone",
    reader: "broker",
    service: "mmi.",
    frames: ["x"],
    expect: { type: "not-implemented" },
    source: NS,
  },
  {
    name: "mmi/broker/service-query-empty-name",
    reader: "broker",
    service: "mmi.service",
    frames: [""],
    expect: err("EMPTY_SERVICE", 0),
    source: OURS,
  },
  {
    name: "mmi/broker/service-query-no-body",
    reader: "broker",
    service: "mmi.service",
    frames: [],
    expect: err("NO_BODY"),
    source: OURS,
  },
  {
    name: "mmi/broker/not-mmi",
    reader: "broker",
    service: "echo",
    frames: ["x"],
    expect: err("NOT_MMI"),
    source: NS,
  },
  {
    name: "mmi/broker/prefix-is-case-sensitive",
    reader: "broker",
    service: "MMI.service",
    frames: ["echo"],
    expect: err("NOT_MMI"),
    source: NS,
  },
  {
    name: "mmi/broker/prefix-without-dot",
    reader: "broker",
    service: "mmi",
    frames: ["echo"],
    expect: err("NOT_MMI"),
    source: NS,
  },
  {
    name: "mmi/broker/not-bytes",
    reader: "broker",
    service: "mmi.service",
    raw: "echo",
    expect: err("NOT_FRAMES"),
    source: OURS,
  },
  // ---- client: replies ------------------------------------------------------
  {
    name: "mmi/client/found",
    reader: "client",
    frames: ["200"],
    expect: { type: "status", status: "200", rest: [] },
    source: SVC,
  },
  {
    name: "mmi/client/not-found",
    reader: "client",
    frames: ["404"],
    expect: { type: "status", status: "404", rest: [] },
    source: SVC,
  },
  {
    name: "mmi/client/not-implemented",
    reader: "client",
    frames: ["501"],
    expect: { type: "status", status: "501", rest: [] },
    source: SVC,
  },
  {
    name: "mmi/client/stats-reply",
    reader: "client",
    frames: ["200", '{"workers":1}'],
    expect: { type: "status", status: "200", rest: ['{"workers":1}'] },
    source: OURS,
  },
  {
    name: "mmi/client/status-with-text",
    reader: "client",
    frames: ["404 Not found"],
    expect: { type: "status", status: "404", rest: [] },
    source: OURS,
  },
  {
    name: "mmi/client/no-frames",
    reader: "client",
    frames: [],
    expect: err("NO_BODY"),
    source: OURS,
  },
  {
    name: "mmi/client/status-two-digits",
    reader: "client",
    frames: ["20"],
    expect: err("BAD_STATUS", 0),
    source: OURS,
  },
  {
    name: "mmi/client/status-four-digits",
    reader: "client",
    frames: ["2000"],
    expect: err("BAD_STATUS", 0),
    source: OURS,
  },
  {
    name: "mmi/client/status-letters",
    reader: "client",
    frames: ["OK!"],
    expect: err("BAD_STATUS", 0),
    source: OURS,
  },
  {
    name: "mmi/client/status-empty",
    reader: "client",
    frames: [""],
    expect: err("BAD_STATUS", 0),
    source: OURS,
  },
  {
    name: "mmi/client/not-an-array",
    reader: "client",
    raw: 404,
    expect: err("NOT_FRAMES"),
    source: OURS,
  },
];
