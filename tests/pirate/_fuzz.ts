/**
 * Fuzzing helpers shared by the hostile tests: a seeded generator of
 * random multipart messages, and a logger that keeps what the rate-limited
 * log wrote, so a test can check both that the lines are few and that
 * written + suppressed accounts for every bad message.
 */
import type { Logger } from "../../mod.ts";

/** A small seeded PRNG (mulberry32), so a failure can be replayed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A random message: 1-5 frames, each empty (1 in 4), one of the 6/PPP
 * command octets (1 in 4), or 1-8 random bytes.
 */
export function randomMessage(r: () => number): Uint8Array[] {
  const n = 1 + Math.floor(r() * 5);
  const frames: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const k = r();
    if (k < 0.25) frames.push(new Uint8Array(0));
    else if (k < 0.5) frames.push(new Uint8Array([r() < 0.5 ? 1 : 2]));
    else {
      const f = new Uint8Array(1 + Math.floor(r() * 8));
      for (let j = 0; j < f.length; j++) f[j] = Math.floor(r() * 256);
      frames.push(f);
    }
  }
  return frames;
}

/** A logger that records warnings (and counts every other line). */
export class RecordingLogger implements Logger {
  readonly warnings: { message: string; fields?: Record<string, unknown> }[] =
    [];
  other = 0;
  debug(): void {}
  info(): void {
    this.other++;
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    this.warnings.push({ message, fields });
  }
  error(): void {
    this.other++;
  }
  /**
   * Bad messages of one kind the log accounts for: lines written with
   * `message`, plus what the "N more like this suppressed" lines counted
   * under `key`.
   */
  accounted(message: string, key: string): number {
    let n = 0;
    for (const w of this.warnings) {
      if (w.message === message) n++;
      else if (w.fields?.key === key) n += w.fields.suppressed as number;
    }
    return n;
  }
}

/** Sends every message on `send`, awaiting only when the socket must wait. */
export async function blast(
  sock: {
    trySend(m: Uint8Array[]): boolean;
    send(m: Uint8Array[]): Promise<void>;
  },
  messages: Iterable<Uint8Array[]>,
): Promise<void> {
  for (const m of messages) if (!sock.trySend(m)) await sock.send(m);
}
