/**
 * One grammar, three implementations: every 7/MDP and 6/PPP conformance
 * vector goes through the codec's decoder, the core's TypeScript envelope
 * (`createCore({ impl: "ts" })`) and its WebAssembly envelope
 * (`impl: "wasm"`), and all three must give the vector's expected result.
 *
 * What "agreement" means. The classifiers report less than the decoder:
 * a kind, a command octet, and frame indexes instead of frames. So:
 * - valid vector: the decoder returns the expected message; each envelope
 *   returns the matching `MessageKind` (client request: `MDP_CLIENT`,
 *   worker command: `MDP_WORKER`, 6/PPP: `PPP_READY`/`PPP_HEARTBEAT`/
 *   `PPP_REPLY`), `command` is the spec's octet for that message (0 for a
 *   client request or a 6/PPP reply), and `serviceFrame`, `addressFrame`
 *   and `bodyFrame` point at exactly the frames the decoder returned as
 *   `service`, `address` and `body` (-1 when the message has none);
 * - malformed vector: the decoder's `ProtocolError` and the envelope's
 *   `errorCode` (by name), `errorFrame`, `errorReason` and `toError()` all
 *   carry the vector's malformation class and frame, and `toError()` names
 *   the same protocol as the decoder;
 * - a vector whose input is not an array of frames (`NOT_FRAMES`) cannot
 *   reach a classifier: `Envelope.load()` must refuse it with a TypeError.
 *
 * The envelopes implement the ROUTER-side readers only (the broker for
 * 7/MDP, the queue backend for 6/PPP); worker and client vectors are held
 * to the decoders alone (`mdp/codec_test.ts`, `ppp/codec_test.ts`).
 */
import assert from "node:assert/strict";
import { createCore } from "../core/mod.ts";
import type { Envelope } from "../core/mod.ts";
import { EnvelopeError, MessageKind } from "../core/mod.ts";
import { wasmLoadError } from "../core/wasm.ts";
import { ProtocolError } from "../errors.ts";
import { bytes, input, isVectorError, plain } from "./_vector.ts";
import {
  decodeBrokerInbound,
  MdpMalformation,
  MdpWorkerCommand,
} from "./mdp/codec.ts";
import {
  decodeQueueMessage,
  PppCommand,
  PppMalformation,
} from "./ppp/codec.ts";
import { MDP_VECTORS } from "./mdp/vectors.ts";
import { PPP_VECTORS } from "./ppp/vectors.ts";

const NAME: Record<number, string> = Object.fromEntries(
  Object.entries(EnvelopeError).map(([k, v]) => [v, k]),
);

/** Both implementations; the WebAssembly one must load here. */
function envelopes(): Envelope[] {
  assert.equal(wasmLoadError(), undefined, "the WebAssembly core must load");
  return [
    createCore({ impl: "ts" }).createEnvelope(),
    createCore({ impl: "wasm" }).createEnvelope(),
  ];
}

/** The frames an envelope field points at, as plain octets. */
function at(env: Envelope, index: number, toEnd: boolean): unknown {
  if (index < 0) return undefined;
  if (!toEnd) return [...env.frame(index)];
  const out = [];
  for (let i = index; i < env.frameCount; i++) out.push([...env.frame(i)]);
  return out;
}

interface Expected {
  readonly kind: MessageKind;
  readonly command: number;
  readonly fields: Record<string, unknown>;
}

type Any = {
  name: string;
  frames?: readonly (string | readonly number[])[];
  raw?: unknown;
  expect: object;
};

/**
 * Runs vectors through one envelope each of both implementations, in the
 * given order (one envelope reused across vectors, so a stale result field
 * from a previous message shows up as a disagreement).
 */
function check(
  vectors: readonly Any[],
  classify: (env: Envelope) => MessageKind,
  decode: (frames: Uint8Array[]) => object,
  expected: (m: Record<string, unknown>) => Expected,
  texts: Record<string, string>,
): number {
  let checks = 0;
  for (const env of envelopes()) {
    for (const v of vectors) {
      const tag = `[${env.impl}] ${v.name}`;
      const arg = input(v) as Uint8Array[];
      const d = decode(arg);
      if (v.frames === undefined) {
        assert.ok(d instanceof ProtocolError && d.code === "NOT_FRAMES", tag);
        assert.throws(() => env.load(arg), TypeError, tag);
        checks++;
        continue;
      }
      env.load(v.frames.map(bytes));
      const kind = classify(env);
      if (isVectorError(v.expect)) {
        const { error, frame } = v.expect;
        assert.ok(d instanceof ProtocolError, `${tag}: decoder accepted it`);
        assert.equal(d.code, error, `${tag}: decoder code`);
        assert.equal(d.frame, frame, `${tag}: decoder frame`);
        assert.equal(kind, MessageKind.INVALID, `${tag}: kind`);
        assert.equal(NAME[env.errorCode], error, `${tag}: errorCode`);
        assert.equal(env.errorFrame, frame, `${tag}: errorFrame`);
        assert.equal(env.errorReason, texts[error], `${tag}: errorReason`);
        const e = env.toError();
        assert.equal(e.code, error, `${tag}: toError().code`);
        assert.equal(e.frame, frame, `${tag}: toError().frame`);
        assert.equal(e.protocol, d.protocol, `${tag}: toError().protocol`);
      } else {
        assert.ok(!(d instanceof Error), `${tag}: decoder: ${String(d)}`);
        assert.deepEqual(
          plain(d, ["sender", "worker", "reply"]),
          plain(v.expect),
          `${tag}: decoder`,
        );
        const want = expected(d as Record<string, unknown>);
        assert.equal(kind, want.kind, `${tag}: kind`);
        assert.equal(env.errorCode, EnvelopeError.NONE, `${tag}: errorCode`);
        assert.equal(env.command, want.command, `${tag}: command`);
        assert.deepEqual(
          {
            service: at(env, env.serviceFrame, false),
            address: at(env, env.addressFrame, false),
            body: at(env, env.bodyFrame, true),
          },
          want.fields,
          `${tag}: frame indexes`,
        );
      }
      checks++;
    }
  }
  return checks;
}

const octets = (x: unknown) =>
  x instanceof Uint8Array ? [...x] : x === undefined ? undefined : x;
const fields = (m: Record<string, unknown>) => ({
  service: octets(m.service),
  address: octets(m.address),
  body: Array.isArray(m.body) ? m.body.map(octets) : undefined,
});

const MDP_COMMAND: Record<string, number> = {
  ready: MdpWorkerCommand.READY,
  request: MdpWorkerCommand.REQUEST,
  reply: MdpWorkerCommand.REPLY,
  heartbeat: MdpWorkerCommand.HEARTBEAT,
  disconnect: MdpWorkerCommand.DISCONNECT,
};

const mdpExpected = (m: Record<string, unknown>): Expected =>
  m.type === "client-request"
    ? { kind: MessageKind.MDP_CLIENT, command: 0, fields: fields(m) }
    : {
      kind: MessageKind.MDP_WORKER,
      command: MDP_COMMAND[m.type as string],
      fields: fields(m),
    };

const pppExpected = (m: Record<string, unknown>): Expected =>
  m.type === "ready"
    ? {
      kind: MessageKind.PPP_READY,
      command: PppCommand.READY,
      fields: fields(m),
    }
    : m.type === "heartbeat"
    ? {
      kind: MessageKind.PPP_HEARTBEAT,
      command: PppCommand.HEARTBEAT,
      fields: fields(m),
    }
    : { kind: MessageKind.PPP_REPLY, command: 0, fields: fields(m) };

const mdp = MDP_VECTORS.filter((v) => v.reader === "broker");
const ppp = PPP_VECTORS.filter((v) => v.reader === "queue");

Deno.test("7/MDP: the decoder, the TypeScript envelope and the WebAssembly envelope agree on every broker-side vector", () => {
  const run = (order: readonly Any[]) =>
    check(
      order,
      (e) => e.classifyMdp(),
      decodeBrokerInbound,
      mdpExpected,
      MdpMalformation,
    );
  const n = run(mdp) + run([...mdp].reverse());
  // Every vector, both implementations, both orders.
  assert.equal(n, mdp.length * 2 * 2);
  assert.ok(mdp.length >= 40, `broker-side vectors: ${mdp.length}`);
});

Deno.test("6/PPP: the decoder, the TypeScript envelope and the WebAssembly envelope agree on every queue-side vector", () => {
  const run = (order: readonly Any[]) =>
    check(
      order,
      (e) => e.classifyPpp(),
      decodeQueueMessage,
      pppExpected,
      PppMalformation,
    );
  const n = run(ppp) + run([...ppp].reverse());
  assert.equal(n, ppp.length * 2 * 2);
  assert.ok(ppp.length >= 15, `queue-side vectors: ${ppp.length}`);
});

Deno.test("the decoders and both envelopes agree on 20,000 random and mutated messages per protocol", () => {
  let seed = 99;
  const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const pick = <T>(xs: readonly T[]): T => xs[(rnd() * xs.length) | 0];
  const te = new TextEncoder();
  const piece = () => {
    const p = rnd();
    if (p < 0.25) return new Uint8Array(0);
    if (p < 0.45) return te.encode(rnd() < 0.5 ? "MDPC01" : "MDPW01");
    if (p < 0.75) return new Uint8Array([(rnd() * 7) | 0]);
    return crypto.getRandomValues(new Uint8Array((rnd() * 300) | 0));
  };
  // Half the messages are valid vectors with up to two random edits (drop,
  // duplicate, replace or insert a frame), half are random frames.
  const seeds = [...mdp, ...ppp].flatMap((v) =>
    v.frames !== undefined && !isVectorError(v.expect) ? [v.frames] : []
  );
  const message = (): Uint8Array[] => {
    if (rnd() < 0.5) return Array.from({ length: (rnd() * 9) | 0 }, piece);
    const f = pick(seeds).map(bytes);
    for (let edits = (rnd() * 3) | 0; edits > 0; edits--) {
      const i = (rnd() * (f.length + 1)) | 0, op = rnd();
      if (op < 0.25) f.splice(i, 1);
      else if (op < 0.5 && i < f.length) f.splice(i, 0, f[i]);
      else if (op < 0.75) f.splice(i, 1, piece());
      else f.splice(i, 0, piece());
    }
    return f;
  };
  const envs = envelopes();
  const tally = { valid: 0, invalid: 0 };
  for (let i = 0; i < 20000; i++) {
    const f = message();
    for (
      const [decode, classify] of [
        [decodeBrokerInbound, (e: Envelope) => e.classifyMdp()],
        [decodeQueueMessage, (e: Envelope) => e.classifyPpp()],
      ] as const
    ) {
      const d = decode(f);
      for (const env of envs) {
        env.load(f);
        const kind = classify(env);
        const tag = `${env.impl} ${JSON.stringify(f.map((x) => [...x]))}`;
        if (d instanceof ProtocolError) {
          assert.equal(kind, MessageKind.INVALID, tag);
          assert.equal(NAME[env.errorCode], d.code, tag);
          assert.equal(env.errorFrame, d.frame, tag);
        } else {
          assert.notEqual(kind, MessageKind.INVALID, tag);
          assert.deepEqual(
            {
              service: at(env, env.serviceFrame, false),
              address: at(env, env.addressFrame, false),
              body: at(env, env.bodyFrame, true),
            },
            fields(d as unknown as Record<string, unknown>),
            tag,
          );
        }
      }
      tally[d instanceof ProtocolError ? "invalid" : "valid"]++;
    }
  }
  // The generator reaches both outcomes often enough to mean something.
  assert.ok(tally.valid > 2000 && tally.invalid > 2000, JSON.stringify(tally));
});
