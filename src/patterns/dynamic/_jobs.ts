/**
 * Private: job ids of a {@linkcode DynamicWorkerServer} and small frame
 * helpers for its backend.
 * @module
 */

/**
 * Job ids: an 8-byte frame, a random 32-bit server nonce then a 32-bit
 * sequence number (big-endian), so a reply meant for another server (or a
 * previous run) never matches an outstanding job. @internal
 */
export class JobIds {
  readonly #nonce = crypto.getRandomValues(new Uint32Array(1))[0];
  #seq = 0;

  /** A fresh id not in `outstanding`. */
  next(
    outstanding: ReadonlyMap<number, unknown>,
  ): { seq: number; id: Uint8Array } {
    do this.#seq = (this.#seq + 1) >>> 0; while (outstanding.has(this.#seq));
    const id = new Uint8Array(8);
    const v = new DataView(id.buffer);
    v.setUint32(0, this.#nonce);
    v.setUint32(4, this.#seq);
    return { seq: this.#seq, id };
  }

  /**
   * The sequence number of a job-id frame: `undefined` if it is not a job
   * id at all, -1 if it is another server's.
   */
  parse(frame: Uint8Array | undefined): number | undefined {
    if (frame === undefined || frame.length !== 8) return undefined;
    const v = new DataView(frame.buffer, frame.byteOffset, 8);
    return v.getUint32(0) === this.#nonce ? v.getUint32(4) : -1;
  }
}

/** Byte equality of two frames. @internal */
export function sameFrame(a: Uint8Array | undefined, b: Uint8Array): boolean {
  if (a === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The endpoint a worker connects to for a bound endpoint: a wildcard TCP
 * address becomes loopback. @internal
 */
export function workerEndpoint(bound: string): string {
  return bound.replace(/^tcp:\/\/0\.0\.0\.0:/, "tcp://127.0.0.1:")
    .replace(/^tcp:\/\/\[::\]:/, "tcp://[::1]:");
}
