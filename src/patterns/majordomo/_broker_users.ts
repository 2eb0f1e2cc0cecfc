/**
 * Requests per authenticated user (the CURVE key in Z85 or the PLAIN user
 * name the ZAP handler answered as `User-Id`), bounded: at most `limit`
 * users are counted one by one; the requests of any further user are
 * summed under `other`, so that a stream of new keys costs no memory.
 * Private to the broker.
 *
 * @module
 */
import type { MajordomoUserRequests } from "./broker_types.ts";

/** The counts. */
export class UserCounts {
  readonly #by = new Map<string, number>();
  readonly #limit: number;
  #other = 0;
  #unauthenticated = 0;

  /** @param limit Most users counted one by one (≥ 1). */
  constructor(limit: number) {
    this.#limit = limit;
  }

  /**
   * Counts one request.
   * @param user The connection's `User-Id` (`""`: none).
   */
  count(user: string): void {
    if (user === "") {
      this.#unauthenticated++;
      return;
    }
    const n = this.#by.get(user);
    if (n !== undefined) this.#by.set(user, n + 1);
    else if (this.#by.size < this.#limit) this.#by.set(user, 1);
    else this.#other++;
  }

  /** @returns A snapshot, users sorted by request count (most first). */
  snapshot(): MajordomoUserRequests {
    const users: Record<string, number> = {};
    for (const [k, v] of [...this.#by].sort((a, b) => b[1] - a[1])) {
      users[k] = v;
    }
    return {
      usersCounted: this.#limit,
      users,
      other: this.#other,
      unauthenticated: this.#unauthenticated,
    };
  }
}
