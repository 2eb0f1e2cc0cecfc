/**
 * State machines as data: a transition table maps each state and event to
 * the next state and the actions to run, and one pure {@linkcode step}
 * reads it. A pattern's shell interprets the action names (send a
 * heartbeat, start a timer, ...); its decisions stay in the table, where a
 * test can walk every state × event pair and a diagram can be generated.
 *
 * @module
 */

/** Where one event leads from one state. */
export interface Transition<S extends string, A extends string> {
  /** The next state (may be the same). */
  readonly next: S;
  /** What the shell must do, in order. */
  readonly actions: readonly A[];
}

/**
 * A machine: its states, its events, and for each state the events it
 * accepts. A `fallback` row holds transitions every state shares (a
 * superstate), used where a state's own row has no entry.
 */
export interface Machine<S extends string, E extends string, A extends string> {
  /** Every state. */
  readonly states: readonly S[];
  /** Every event. */
  readonly events: readonly E[];
  /** Per state, the transitions it takes. */
  readonly table: {
    readonly [state in S]: { readonly [event in E]?: Transition<S, A> };
  };
  /** Transitions shared by every state, consulted after the state's row. */
  readonly fallback?: { readonly [event in E]?: Transition<S, A> };
}

/**
 * Where `event` leads from `state`: the state's own entry, else the
 * fallback's, else `undefined` (the event is not accepted there; the shell
 * decides whether that is an error).
 *
 * @param machine The machine.
 * @param state The current state.
 * @param event The event.
 * @returns The transition, or `undefined`.
 *
 * @example
 * ```ts
 * import { type Machine, step } from "./fsm.ts";
 * const door: Machine<"open" | "shut", "push" | "pull", "creak"> = {
 *   states: ["open", "shut"],
 *   events: ["push", "pull"],
 *   table: {
 *     open: { push: { next: "shut", actions: ["creak"] } },
 *     shut: { pull: { next: "open", actions: ["creak"] } },
 *   },
 * };
 * console.log(step(door, "open", "push")?.next); // "shut"
 * console.log(step(door, "open", "pull")); // undefined
 * ```
 */
export function step<S extends string, E extends string, A extends string>(
  machine: Machine<S, E, A>,
  state: S,
  event: E,
): Transition<S, A> | undefined {
  return machine.table[state][event] ?? machine.fallback?.[event];
}

/**
 * The table as a Mermaid `stateDiagram-v2`, one edge per transition
 * (fallback transitions drawn from every state that lacks its own).
 *
 * @param machine The machine.
 * @param initial Initial states, drawn from `[*]`.
 * @returns The diagram's text.
 *
 * @example
 * ```ts
 * import { toMermaid } from "./fsm.ts";
 * const text = toMermaid({
 *   states: ["a", "b"], events: ["go"],
 *   table: { a: { go: { next: "b", actions: [] } }, b: {} },
 * }, ["a"]);
 * console.log(text.includes("a --> b: go")); // true
 * ```
 */
export function toMermaid<S extends string, E extends string, A extends string>(
  machine: Machine<S, E, A>,
  initial: readonly S[] = [],
): string {
  const lines = ["stateDiagram-v2"];
  for (const s of initial) lines.push(`  [*] --> ${s}`);
  for (const s of machine.states) {
    for (const e of machine.events) {
      const t = step(machine, s, e);
      if (!t) continue;
      const acts = t.actions.length ? ` / ${t.actions.join(", ")}` : "";
      lines.push(`  ${s} --> ${t.next}: ${e}${acts}`);
    }
  }
  return lines.join("\n");
}
