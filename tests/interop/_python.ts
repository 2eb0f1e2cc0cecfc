// Runs the Python MDP peers (pyzmq) as child processes, waiting for their
// JSON ready line like tests/helpers/spawn.ts does for Deno programs.

/**
 * A Python interpreter that has pyzmq: $PYTHON, else the first of
 * `python3` and `/usr/bin/python3` (Debian's python3-zmq) that imports zmq.
 */
export const python: string | null = (() => {
  const env = Deno.env.get("PYTHON");
  for (const cmd of env ? [env] : ["python3", "/usr/bin/python3"]) {
    try {
      const ok = new Deno.Command(cmd, {
        args: ["-c", "import zmq"],
        stdout: "null",
        stderr: "null",
      }).outputSync().success;
      if (ok) return cmd;
    } catch {
      // not installed
    }
  }
  return null;
})();

/** Whether a Python with pyzmq is available. */
export const hasPyzmq: boolean = python !== null;

/** A running Python peer. */
export class PyChild implements AsyncDisposable {
  readonly lines: string[] = [];
  stderr = "";
  #listeners = new Set<() => void>();
  constructor(readonly process: Deno.ChildProcess) {
    const td = new TextDecoder();
    void (async () => {
      let buf = "";
      for await (const chunk of process.stdout) {
        buf += td.decode(chunk, { stream: true });
        let i;
        while ((i = buf.indexOf("\n")) >= 0) {
          this.lines.push(buf.slice(0, i));
          buf = buf.slice(i + 1);
          for (const l of [...this.#listeners]) l();
        }
      }
    })().catch(() => {});
    void (async () => {
      for await (const chunk of process.stderr) this.stderr += td.decode(chunk);
    })().catch(() => {});
  }
  /** Waits for a stdout JSON line with this event. */
  waitFor(event: string, timeoutMs = 60000): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const check = () => {
        for (const l of this.lines) {
          try {
            const j = JSON.parse(l);
            if (j.event === event) {
              cleanup();
              resolve(j);
              return;
            }
          } catch {
            // not JSON
          }
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `no "${event}" line within ${timeoutMs} ms; stderr:\n${this.stderr}`,
          ),
        );
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.#listeners.delete(check);
      };
      this.#listeners.add(check);
      check();
    });
  }
  async [Symbol.asyncDispose](): Promise<void> {
    try {
      this.process.kill("SIGKILL");
    } catch {
      // gone
    }
    await this.process.status;
  }
}

/** Starts `python3 <script> <args>` and waits for its ready line. */
export async function spawnPython(
  script: string,
  args: string[],
  env?: Record<string, string>,
): Promise<PyChild & { endpoint: string }> {
  const path = new URL(script, import.meta.url).pathname;
  const process = new Deno.Command(python ?? "python3", {
    args: ["-u", path, ...args],
    ...(env ? { env } : {}),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const child = new PyChild(process) as PyChild & { endpoint: string };
  const ready = await child.waitFor("ready", 20000);
  child.endpoint = String(ready.endpoint);
  return child;
}
