/**
 * Differential tests: the WASM core and its TypeScript twin run the same
 * seeded random operation sequences and must give identical results.
 * A failure names the seed and the operation index; rerun with
 * `CORE_SEED=<seed>` to reproduce.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import type { Envelope, FrameCodec } from "../../src/core/mod.ts";
import { core, EMPTY, prng, te } from "./_impls.ts";
import { wasmLoadError } from "../../src/core/wasm.ts";

const SEED = Number(Deno.env.get("CORE_SEED") ?? 0x5eed) >>> 0;
const ignore = wasmLoadError() !== undefined;

function withSeed(seed: number, i: () => number, f: () => void): void {
  try {
    f();
  } catch (err) {
    throw new Error(
      `parity failure, seed=${seed} (0x${seed.toString(16)}), op=${i()}: ${
        err instanceof Error ? err.message : String(err)
      }`,
      { cause: err },
    );
  }
}

/** Calls f and returns its value or a comparable description of its error. */
function outcome<T>(f: () => T): T | string {
  try {
    return f();
  } catch (err) {
    const e = err as Error;
    return `${e.name}: ${e.message}`;
  }
}

function randomFrames(r: () => number, big: boolean): Uint8Array[] {
  const n = r() < 0.05 ? 0 : 1 + Math.floor(r() * 10);
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const kind = r();
    const len = kind < 0.2
      ? 0
      : kind < 0.8
      ? Math.floor(r() * 40)
      : kind < 0.97 || !big
      ? Math.floor(r() * 400)
      : Math.floor(r() * 9000);
    const f = new Uint8Array(len);
    for (let j = 0; j < len; j++) f[j] = (r() * 256) | 0;
    out.push(f);
  }
  return out;
}

function mutate(r: () => number, rec: Uint8Array): Uint8Array {
  const m = r();
  if (m < 0.3) {
    const b = rec.slice();
    const bit = Math.floor(r() * b.length * 8);
    b[bit >> 3] ^= 1 << (bit & 7);
    return b;
  }
  if (m < 0.5) return rec.slice(0, Math.floor(r() * rec.length));
  if (m < 0.6) {
    const b = new Uint8Array(rec.length + 1 + Math.floor(r() * 4));
    b.set(rec);
    return b;
  }
  if (m < 0.8 && rec.length >= 20) {
    // Rewrite a header field and fix the header CRC so it is trusted.
    const b = rec.slice();
    const dv = new DataView(b.buffer);
    const field = r() < 0.5 ? 4 : 8;
    const v = r() < 0.3
      ? 0xffffffff - Math.floor(r() * 8)
      : dv.getUint32(field, true) + Math.floor(r() * 7) - 3;
    dv.setUint32(field, v >>> 0, true);
    dv.setUint32(
      12,
      core("ts").createFrameCodec().crc32c(b.subarray(0, 12)),
      true,
    );
    return b;
  }
  if (m < 0.9 && rec.length > 24) {
    // Corrupt a frame length and the trailing CRC accordingly? Only the length.
    const b = rec.slice();
    const dv = new DataView(b.buffer);
    dv.setUint32(16, (dv.getUint32(16, true) + 1) >>> 0, true);
    return b;
  }
  return rec;
}

function sameDecode(
  a: FrameCodec,
  b: FrameCodec,
  rec: Uint8Array,
  seen: Set<string>,
): void {
  const x = outcome(() => a.decode(rec).map((f) => Array.from(f)));
  const y = outcome(() => b.decode(rec).map((f) => Array.from(f)));
  assertEquals(y, x);
  seen.add(typeof x === "string" ? x.replace(/[0-9]+/g, "#") : "ok");
  assertEquals(
    outcome(() => b.recordLength(rec)),
    outcome(() => a.recordLength(rec)),
  );
}

Deno.test({
  name: "FrameCodec: WASM and TS agree on 100,000+ random operations",
  ignore,
  fn() {
    const seed = SEED;
    const r = prng(seed);
    const ts = core("ts").createFrameCodec();
    const wasm = core("wasm").createFrameCodec();
    const seen = new Set<string>();
    let i = 0;
    withSeed(seed, () => i, () => {
      for (; i < 100_000; i++) {
        const frames = randomFrames(r, i % 16 === 0);
        const a = ts.encode(frames);
        const b = wasm.encode(frames);
        assertEquals(b, a);
        if (i % 8 === 0) {
          const into = new Uint8Array(a.length + 7);
          assertEquals(wasm.encodeInto(frames, into, 3), a.length);
          assertEquals(into.subarray(3, 3 + a.length), a);
          assertEquals(ts.encodedLength(frames), a.length);
          assertEquals(wasm.encodedLength(frames), a.length);
        }
        sameDecode(ts, wasm, r() < 0.5 ? a : mutate(r, a), seen);
        if (i % 64 === 0) {
          const raw = a.subarray(Math.floor(r() * a.length));
          assertEquals(wasm.crc32c(raw), ts.crc32c(raw));
        }
      }
    });
    // Success and each of the 10 record errors were exercised.
    assertEquals(seen.size, 11, [...seen].join("\n"));
  },
});

Deno.test({
  name: "WorkerQueue: WASM and TS agree on 200,000 random operations",
  ignore,
  fn() {
    const seed = (SEED ^ 0x9e3779b9) >>> 0;
    const r = prng(seed);
    const ts = core("ts").createWorkerQueue();
    const wasm = core("wasm").createWorkerQueue();
    let now = 0;
    let expired = 0;
    let i = 0;
    withSeed(seed, () => i, () => {
      for (; i < 200_000; i++) {
        const handles = i % 50_000 < 40_000 ? 64 : 5000;
        const h = Math.floor(r() * handles);
        const s = Math.floor(r() * 6);
        now += r() * 2;
        const d = r() < 0.85 ? now + 100 : now + (r() - 0.3) * 300;
        const op = r();
        if (i % 10_000 === 0) {
          // A burst longer than the WASM command buffer (256 commands).
          for (let k = 0; k < 700; k++) {
            const hh = Math.floor(r() * handles), dd = now + r() * 200;
            if (r() < 0.5) {
              ts.push(hh, k & 3, dd);
              wasm.push(hh, k & 3, dd);
            } else assertEquals(wasm.touch(hh, dd), ts.touch(hh, dd));
          }
          assertEquals(wasm.has(h), ts.has(h));
        }
        if (op < 0.35) {
          ts.push(h, s, d);
          wasm.push(h, s, d);
        } else if (op < 0.55) assertEquals(wasm.pop(s), ts.pop(s));
        else if (op < 0.62) assertEquals(wasm.remove(h), ts.remove(h));
        else if (op < 0.82) assertEquals(wasm.touch(h, d), ts.touch(h, d));
        else if (op < 0.9) {
          const x = ts.expire(now);
          assertEquals(wasm.expire(now), x);
          expired += x.length;
        } else if (op < 0.93) {
          assertEquals(wasm.expire(now + 500), ts.expire(now + 500));
        } else if (op < 0.96) assertEquals(wasm.has(h), ts.has(h));
        else if (op < 0.98) {
          assertEquals(wasm.size(), ts.size());
          assertEquals(wasm.size(s), ts.size(s));
        } else {
          assertEquals(wasm.serviceOf(h), ts.serviceOf(h));
          assertEquals(wasm.deadlineOf(h), ts.deadlineOf(h));
        }
      }
    });
    assertEquals(expired > 1000, true, `only ${expired} expired`);
  },
});

const HEADERS = [te("MDPC01"), te("MDPW01"), te("MDPX01"), te("MDPC0"), EMPTY];

function randomMessage(r: () => number, ids: Uint8Array[]): Uint8Array[] {
  const id = ids[Math.floor(r() * ids.length)];
  const pick = r();
  const small = () => {
    const f = new Uint8Array(Math.floor(r() * 6));
    for (let j = 0; j < f.length; j++) f[j] = 97 + Math.floor(r() * 3);
    return f;
  };
  let m: Uint8Array[];
  if (pick < 0.3) m = [id, EMPTY, HEADERS[0], small(), small()];
  else if (pick < 0.6) {
    const cmd = new Uint8Array([1 + Math.floor(r() * 6)]);
    m = [id, EMPTY, HEADERS[1], cmd, small(), EMPTY, small(), small()];
    m = m.slice(0, 3 + Math.floor(r() * 6));
  } else if (pick < 0.8) {
    m = r() < 0.5
      ? [id, new Uint8Array([1 + Math.floor(r() * 3)])]
      : [id, small(), EMPTY, small(), small()].slice(
        0,
        2 + Math.floor(r() * 4),
      );
  } else {
    m = [id];
    const n = Math.floor(r() * 8);
    for (let k = 0; k < n; k++) {
      m.push(r() < 0.3 ? HEADERS[Math.floor(r() * HEADERS.length)] : small());
    }
  }
  if (r() < 0.1 && m.length > 1) {
    m[Math.floor(r() * m.length)] = new Uint8Array(r() < 0.5 ? 256 : 300).fill(
      7,
    );
  }
  return m;
}

function fields(e: Envelope) {
  return [
    e.kind,
    e.command,
    e.serviceFrame,
    e.addressFrame,
    e.bodyFrame,
    e.errorCode,
    e.errorFrame,
    e.errorReason,
    e.senderHandle,
    e.serviceHandle,
  ];
}

function receive(e: Envelope, frames: Uint8Array[]): void {
  // The transport's path: prepare, write in place, commit.
  let total = 0;
  for (const f of frames) total += f.length;
  e.prepare(total, frames.length);
  let p = 0;
  for (let i = 0; i < frames.length; i++) {
    e.bytes.set(frames[i], p);
    e.lengths[i] = frames[i].length;
    p += frames[i].length;
  }
  e.commit(frames.length);
}

Deno.test({
  name:
    "Envelope: WASM and TS agree on 100,000 random messages and intern operations",
  ignore,
  fn() {
    const seed = (SEED ^ 0x85ebca6b) >>> 0;
    const r = prng(seed);
    const ts = core("ts").createEnvelope();
    const wasm = core("wasm").createEnvelope();
    const ids: Uint8Array[] = [];
    for (let k = 0; k < 300; k++) {
      ids.push(te(`id-${k}-${"x".repeat(k % 40)}`));
    }
    let i = 0;
    const live = new Set<number>();
    const seen = new Set<string>();
    withSeed(seed, () => i, () => {
      for (; i < 100_000; i++) {
        const msg = randomMessage(r, ids);
        if (r() < 0.5) {
          ts.load(msg);
          wasm.load(msg);
        } else {
          receive(ts, msg);
          receive(wasm, msg);
        }
        assertEquals(wasm.frameCount, ts.frameCount);
        const ppp = r() < 0.3;
        assertEquals(
          ppp ? wasm.classifyPpp() : wasm.classifyMdp(),
          ppp ? ts.classifyPpp() : ts.classifyMdp(),
        );
        assertEquals(fields(wasm), fields(ts));
        seen.add(`kind ${ts.kind}`).add(`error ${ts.errorCode}`);
        if (ts.kind === 0) {
          const a = ts.toError(), b = wasm.toError();
          assertEquals([b.protocol, b.frame, b.message], [
            a.protocol,
            a.frame,
            a.message,
          ]);
        }
        const n = ts.frameCount;
        const f = Math.floor(r() * n);
        const op = r();
        if (op < 0.4) {
          const h = ts.intern(f);
          assertEquals(wasm.intern(f), h);
          live.add(h);
        } else if (op < 0.55) assertEquals(wasm.find(f), ts.find(f));
        else if (op < 0.75 && live.size > 0) {
          const h = [...live][Math.floor(r() * live.size)];
          assertEquals(Array.from(wasm.bytesOf(h)), Array.from(ts.bytesOf(h)));
          const rel = r() < 0.7;
          if (rel) {
            assertEquals(wasm.release(h), ts.release(h));
            live.delete(h);
          } else {
            // Re-intern a key from its own bytes (may compact the arena).
            assertEquals(
              wasm.internBytes(wasm.bytesOf(h)),
              ts.internBytes(ts.bytesOf(h)),
            );
          }
        } else if (op < 0.85) {
          const key = ids[Math.floor(r() * ids.length)];
          const h = ts.internBytes(key);
          assertEquals(wasm.internBytes(key), h);
          live.add(h);
        } else if (op < 0.9) {
          const key = ids[Math.floor(r() * ids.length)];
          assertEquals(wasm.findBytes(key), ts.findBytes(key));
        } else if (n > 0) {
          assertEquals(Array.from(wasm.frame(f)), Array.from(ts.frame(f)));
          assertEquals(wasm.frameLength(f), ts.frameLength(f));
          const other = msg[Math.floor(r() * msg.length)];
          assertEquals(wasm.frameEquals(f, other), ts.frameEquals(f, other));
          const out = (e: Envelope) =>
            e.build(ids[0], [EMPTY], Math.floor(r() * (n + 1))).map((x) =>
              Array.from(x)
            );
          const st = r;
          void st;
          assertEquals(out(wasm).length >= 2, true);
        }
        assertEquals(wasm.internedCount, ts.internedCount);
      }
    });
    // Every kind and every error code was exercised.
    assertEquals(seen.size, 6 + 10);
  },
});
