/**
 * The event hook every pattern class has: a typed discriminated union of
 * `area:verb` events (`"worker:expired"`, `"request:resent"`), delivered
 * to the `onEvent` option and to listeners added later. Emitting costs one
 * branch when nobody listens, so hot paths write
 * `if (hub.active) hub.emit({ ... })` and build no object otherwise.
 *
 * @module
 */
import type { Logger } from "../../_util/logger.ts";

/** Anything with a `type` naming it `area:verb`. */
export interface PatternEvent {
  /** The event's name, `area:verb`. */
  readonly type: string;
}

/** A function that receives events. */
export type EventListener<E extends PatternEvent> = (event: E) => void;

/**
 * Listeners of one component. A listener that throws is reported once per
 * hub through the logger and never breaks the component.
 *
 * @example
 * ```ts
 * import { EventHub } from "./events.ts";
 * import { silentLogger } from "../../_util/logger.ts";
 * type E = { type: "worker:ready"; worker: string };
 * const hub = new EventHub<E>(silentLogger);
 * const seen: string[] = [];
 * const off = hub.on((e) => seen.push(e.worker));
 * if (hub.active) hub.emit({ type: "worker:ready", worker: "W1" });
 * off();
 * console.log(seen, hub.active); // [ "W1" ] false
 * ```
 */
export class EventHub<E extends PatternEvent> {
  readonly #log: Logger;
  #listeners: EventListener<E>[] = [];
  #warned = false;

  /**
   * @param log Where a throwing listener is reported.
   * @param first A listener to start with (the `onEvent` option).
   */
  constructor(log: Logger, first?: EventListener<E>) {
    this.#log = log;
    if (first) this.#listeners.push(first);
  }

  /** Whether anybody listens (check it before building an event). */
  get active(): boolean {
    return this.#listeners.length > 0;
  }

  /**
   * Adds a listener.
   *
   * @param listener Called with every event, synchronously.
   * @returns A function that removes it.
   */
  on(listener: EventListener<E>): () => void {
    this.#listeners = [...this.#listeners, listener];
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }

  /**
   * Delivers an event to every listener.
   *
   * @param event The event.
   */
  emit(event: E): void {
    const ls = this.#listeners;
    for (let i = 0; i < ls.length; i++) {
      try {
        ls[i](event);
      } catch (e) {
        if (!this.#warned) {
          this.#warned = true;
          this.#log.warn("an event listener threw (reported once)", {
            event: event.type,
            error: String(e),
          });
        }
      }
    }
  }
}
