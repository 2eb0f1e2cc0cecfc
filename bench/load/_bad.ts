// Bad clients for the load run (issue 15, item 6), each kind in its own
// process, started --bad-at-s into the run and gone 10 s later:
// - vanish: connect, send one request each, then the process is killed
//   (SIGKILL) a second later, before a busy broker has answered them all:
//   the broker must drop the work or the replies for identities that are
//   gone, and forget them;
// - garbage: send malformed messages (wrong header, bad command, random
//   frames) at 1/s each, then close;
// - noread: send valid requests at 1/s each and never read a reply, then
//   close: the broker must bound what it queues for them.
import { go, type Proc, spawnScript, stop } from "./_proc.ts";

export const BAD_KINDS = ["vanish", "garbage", "noread"] as const;
export type BadKind = typeof BAD_KINDS[number];
const BAD_LIFETIME_MS = 10000;

export interface BadSpec {
  counts: Partial<Record<BadKind, number>>;
  total: number;
}

export interface BadResult {
  startedAtS: number;
  goneAtS: number;
  sent: Partial<Record<BadKind, number>>;
}

export function parseBad(spec: string | undefined): BadSpec {
  const counts: Partial<Record<BadKind, number>> = {};
  let total = 0;
  if (!spec) return { counts, total };
  for (const part of spec.split(",")) {
    const [k, v] = part.split("=");
    if (
      !(BAD_KINDS as readonly string[]).includes(k) || !/^\d+$/.test(v ?? "")
    ) {
      throw new Error(
        `--bad: expected kind=count with kind in ${
          BAD_KINDS.join(", ")
        }, got "${part}"`,
      );
    }
    counts[k as BadKind] = Number(v);
    total += Number(v);
  }
  return { counts, total };
}

export function startBad(
  spec: BadSpec,
  endpoint: string,
  atMs: number,
  children: Proc[],
): { finish(): Promise<BadResult> } {
  const t0 = performance.now();
  const result: BadResult = { startedAtS: NaN, goneAtS: NaN, sent: {} };
  const run = (async () => {
    await new Promise((r) => setTimeout(r, atMs));
    const procs: [BadKind, Proc][] = [];
    for (
      const [kind, count] of Object.entries(spec.counts) as [BadKind, number][]
    ) {
      const p = await spawnScript(`bad-${kind}`, "./_bad_clients.ts", [
        "--endpoint",
        endpoint,
        "--kind",
        kind,
        "--count",
        String(count),
      ], { stdin: true });
      children.push(p);
      procs.push([kind, p]);
    }
    result.startedAtS = Math.round((performance.now() - t0) / 1000);
    await Promise.all(procs.map(([, p]) => go(p)));
    // The vanishing clients die once their requests are out: their replies
    // (or the work itself) find nobody.
    const vanish = procs.find(([k]) => k === "vanish")?.[1];
    if (vanish) {
      const count = spec.counts.vanish!;
      await new Promise<void>((res) => {
        const prev = vanish.onLine;
        vanish.onLine = (m) => {
          prev?.(m);
          if (Number(m.sent) >= count) res();
        };
        if (Number(vanish.last.get("progress")?.sent ?? 0) >= count) res();
      });
      result.sent.vanish = count;
      await new Promise((r) => setTimeout(r, 1000)); // connected, flushed
      vanish.child.kill("SIGKILL");
      await vanish.exited;
    }
    await new Promise((r) => setTimeout(r, BAD_LIFETIME_MS));
    for (const [kind, p] of procs) {
      if (kind === "vanish") continue;
      result.sent[kind] = Number(p.last.get("progress")?.sent ?? 0);
      await stop(p);
    }
    result.goneAtS = Math.round((performance.now() - t0) / 1000);
  })();
  return {
    finish: async () => {
      await run;
      return result;
    },
  };
}
