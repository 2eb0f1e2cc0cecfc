/**
 * The contract every Titanic store keeps (the log store, the SQLite store,
 * or one of your own), checked by one shared test suite.
 *
 * Durability: a write resolves only once what it wrote survives a crash of
 * the process and of the machine (unless the store was opened with syncing
 * off). Reads see only what is durable.
 *
 * @experimental The store adapters may change before 1.0.
 * @module
 */

/**
 * What a store knows about a request.
 *
 * @experimental
 */
export type StoredState =
  /** Stored, not answered yet. */
  | {
    readonly state: "pending";
    readonly service: string;
    readonly attempts: number;
  }
  /** The target service answered; the reply is stored. */
  | {
    readonly state: "replied";
    readonly service: string;
    readonly attempts: number;
  }
  /** Given up after failed attempts (a poison message); `reason` says why. */
  | {
    readonly state: "parked";
    readonly service: string;
    readonly attempts: number;
    readonly reason: string;
  };

/**
 * A stored request, as the dispatcher reads it.
 *
 * @experimental
 */
export interface StoredRequest {
  /** The target service. */
  readonly service: string;
  /** The request body (at least one frame). */
  readonly body: Uint8Array[];
  /** Dispatch attempts so far. */
  readonly attempts: number;
}

/**
 * A request waiting to be dispatched (start-up listing).
 *
 * @experimental
 */
export interface PendingRequest {
  /** Its UUID. */
  readonly uuid: string;
  /** The target service. */
  readonly service: string;
  /** Dispatch attempts so far. */
  readonly attempts: number;
}

/**
 * Counters every store reports.
 *
 * @experimental
 */
export interface TitanicStoreStats {
  /** `"log"`, `"sqlite"` or a custom name. */
  readonly kind: string;
  /** Requests waiting for a reply. */
  readonly pending: number;
  /** Requests with a stored reply. */
  readonly replied: number;
  /** Requests given up (parked). */
  readonly parked: number;
  /** Bytes the store takes on disk. */
  readonly diskBytes: number;
  /** Durable commits (each covers one or more writes). */
  readonly commits: number;
  /** Writes made durable. */
  readonly writes: number;
  /** Most writes one commit covered. */
  readonly maxBatch: number;
  /** Writes that failed (disk full, I/O error). */
  readonly failedWrites: number;
}

/**
 * A Titanic store. Every method may be called concurrently; the store
 * orders writes itself. UUIDs are passed in upper case and already checked
 * against 9/TSP's format.
 *
 * @experimental
 */
export interface TitanicStore {
  /** `"log"`, `"sqlite"` or a custom name. */
  readonly kind: string;
  /**
   * Stores a new request.
   * @param uuid Its UUID (new).
   * @param service The target service.
   * @param body The request body.
   * @returns Resolves once durable.
   * @throws {StorageError} When it could not be stored.
   */
  putRequest(
    uuid: string,
    service: string,
    body: readonly Uint8Array[],
  ): Promise<void>;
  /**
   * Stores the reply to a pending request.
   * @param uuid The UUID.
   * @param reply The reply body.
   * @returns `true` once durable; `false` when the request is not pending
   * (closed, unknown, already answered or parked): nothing was written.
   * @throws {StorageError} When it could not be stored.
   */
  putReply(uuid: string, reply: readonly Uint8Array[]): Promise<boolean>;
  /**
   * Counts one more dispatch attempt, durably, before the request is sent.
   * @param uuid The UUID.
   * @returns The attempt count including this one, or -1 when the request
   * is not pending.
   * @throws {StorageError} When it could not be stored.
   */
  recordAttempt(uuid: string): Promise<number>;
  /**
   * Gives a pending request up (a poison message).
   * @param uuid The UUID.
   * @param reason Why, for `titanic.reply`'s 500.
   * @returns `true` once durable; `false` when it is not pending.
   * @throws {StorageError} When it could not be stored.
   */
  park(uuid: string, reason: string): Promise<boolean>;
  /**
   * Deletes a request and its reply (`titanic.close`). Idempotent.
   * @param uuid The UUID.
   * @returns Resolves once durable.
   * @throws {StorageError} When it could not be stored.
   */
  remove(uuid: string): Promise<void>;
  /**
   * What the store knows about a request.
   * @param uuid The UUID.
   * @returns Its state, or `undefined` when unknown or closed.
   */
  lookup(uuid: string): Promise<StoredState | undefined>;
  /**
   * Reads a pending request for dispatch.
   * @param uuid The UUID.
   * @returns The request, or `undefined` when it is not pending.
   * @throws {StorageError} On a read error or a damaged record.
   */
  readRequest(uuid: string): Promise<StoredRequest | undefined>;
  /**
   * Reads a stored reply.
   * @param uuid The UUID.
   * @returns The reply, or `undefined` when there is none.
   * @throws {StorageError} On a read error or a damaged record.
   */
  readReply(uuid: string): Promise<Uint8Array[] | undefined>;
  /**
   * Lists the pending requests, oldest first (at start-up).
   * @returns The pending requests.
   */
  pending(): Promise<PendingRequest[]>;
  /** A snapshot of the counters. */
  readonly stats: TitanicStoreStats;
  /**
   * Waits for writes in flight, then releases files and locks. Idempotent.
   * @returns Resolves when closed.
   */
  close(): Promise<void>;
}
