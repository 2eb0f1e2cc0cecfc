// Child processes of a load run: spawn a Deno script, read its JSON lines,
// wait for its ready line, tell it to go (stdin), stop it.
export interface Proc {
  readonly name: string;
  readonly child: Deno.ChildProcess;
  readonly ready: Record<string, unknown>;
  /** The latest line of each event kind. */
  readonly last: Map<string, Record<string, unknown>>;
  /** Called with every JSON line after the ready line. */
  onLine?: (msg: Record<string, unknown>) => void;
  readonly stderr: string[];
  readonly exited: Promise<Deno.CommandStatus>;
}

const here = new URL(".", import.meta.url);

export async function spawnScript(
  name: string,
  script: string,
  args: string[],
  opts: { stdin?: boolean; readyTimeoutMs?: number } = {},
): Promise<Proc> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(script, here).pathname, ...args],
    stdin: opts.stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr: string[] = [];
  void (async () => {
    const d = new TextDecoder();
    for await (const c of child.stderr) {
      stderr.push(d.decode(c));
      if (stderr.length > 200) stderr.splice(0, 100);
    }
  })().catch(() => {});
  const last = new Map<string, Record<string, unknown>>();
  const ready = Promise.withResolvers<Record<string, unknown>>();
  const proc: Proc = {
    name,
    child,
    ready: {},
    last,
    stderr,
    exited: child.status,
  };
  void (async () => {
    let buf = "";
    for await (
      const chunk of child.stdout.pipeThrough(new TextDecoderStream())
    ) {
      buf += chunk;
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        let msg: Record<string, unknown>;
        try {
          msg = JSON.parse(line);
        } catch {
          continue;
        }
        if (msg.event === "ready") ready.resolve(msg);
        else {
          last.set(String(msg.event), msg);
          proc.onLine?.(msg);
        }
      }
    }
  })().catch(() => {});
  const timeout = opts.readyTimeoutMs ?? 60000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const r = await Promise.race([
    ready.promise,
    child.status.then((s) => ({ exitedEarly: s.code })),
    new Promise<"timeout">((res) =>
      timer = setTimeout(() => res("timeout"), timeout)
    ),
  ]);
  clearTimeout(timer);
  if (r === "timeout" || "exitedEarly" in r) {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
    await child.status;
    throw new Error(
      `${name}: no ready line (${
        r === "timeout" ? "timeout" : `exit ${r.exitedEarly}`
      }):\n${stderr.join("")}`,
    );
  }
  (proc as { ready: Record<string, unknown> }).ready = r;
  return proc;
}

/** Writes "go" to a child's stdin and closes it. */
export async function go(p: Proc): Promise<void> {
  const w = p.child.stdin.getWriter();
  await w.write(new TextEncoder().encode("go\n"));
  await w.close();
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit status. */
export async function stop(
  p: Proc,
  graceMs = 5000,
): Promise<Deno.CommandStatus> {
  try {
    p.child.kill("SIGTERM");
  } catch { /* gone */ }
  const t = setTimeout(() => {
    try {
      p.child.kill("SIGKILL");
    } catch { /* gone */ }
  }, graceMs);
  try {
    return await p.exited;
  } finally {
    clearTimeout(t);
  }
}
