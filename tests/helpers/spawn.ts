/**
 * Test harness: runs a Deno program as a real child process, waits for the
 * one JSON line it prints when ready (`{"event":"ready","endpoint":...}`),
 * and lets a scenario kill (SIGKILL), stop (SIGSTOP), continue (SIGCONT) or
 * terminate it. Child stderr is kept and shown only when asked (on failure).
 *
 * @module
 */

/** What a child printed as its ready line, plus any extra fields. */
export interface ReadyLine {
  event: "ready";
  endpoint?: string;
  endpoints?: string[];
  [key: string]: unknown;
}

/** Options of {@linkcode spawnChild}. */
export interface SpawnOptions {
  /** Script arguments. */
  args?: string[];
  /** Deno permission flags. @default ["-A"] */
  permissions?: string[];
  /** Give up waiting for the ready line after this many ms. @default 20000 */
  readyTimeoutMs?: number;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Wait for a ready line at all. @default true */
  waitReady?: boolean;
}

/** A running child process. */
export class Child implements AsyncDisposable {
  readonly process: Deno.ChildProcess;
  readonly ready: ReadyLine;
  readonly #lines: string[];
  readonly #stderr: string[];
  readonly #listeners = new Set<(line: string) => void>();
  #status: Promise<Deno.CommandStatus>;
  #exited = false;

  /** @internal */
  constructor(
    process: Deno.ChildProcess,
    ready: ReadyLine,
    lines: string[],
    stderr: string[],
    listeners: Set<(line: string) => void>,
  ) {
    this.process = process;
    this.ready = ready;
    this.#lines = lines;
    this.#stderr = stderr;
    this.#listeners = listeners;
    this.#status = process.status.then((s) => {
      this.#exited = true;
      return s;
    });
  }

  /** The endpoint from the ready line. */
  get endpoint(): string {
    if (!this.ready.endpoint) throw new Error("child printed no endpoint");
    return this.ready.endpoint;
  }

  /** The child's pid. */
  get pid(): number {
    return this.process.pid;
  }

  /** Lines the child printed on stdout so far (ready line included). */
  get stdoutLines(): readonly string[] {
    return this.#lines;
  }

  /** What the child printed on stderr so far. */
  stderrText(): string {
    return this.#stderr.join("");
  }

  /** Resolves with the exit status. */
  get exited(): Promise<Deno.CommandStatus> {
    return this.#status;
  }

  /** Whether the process has exited. */
  get hasExited(): boolean {
    return this.#exited;
  }

  /**
   * Waits for a stdout line matching `test` (already printed lines count).
   * @param test What to look for.
   * @param timeoutMs Limit.
   */
  waitForLine(
    test: (line: string) => boolean,
    timeoutMs = 20000,
  ): Promise<string> {
    const found = this.#lines.find(test);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#listeners.delete(listener);
        reject(
          new Error(
            `child ${this.pid} printed no matching line within ${timeoutMs} ms; stderr:\n${this.stderrText()}`,
          ),
        );
      }, timeoutMs);
      const listener = (line: string) => {
        if (!test(line)) return;
        clearTimeout(timer);
        this.#listeners.delete(listener);
        resolve(line);
      };
      this.#listeners.add(listener);
    });
  }

  /** Sends a signal unless the child already exited. */
  signal(sig: Deno.Signal): void {
    if (this.#exited) return;
    try {
      this.process.kill(sig);
    } catch {
      // raced with exit
    }
  }

  /** SIGKILL, then wait for the exit. */
  async kill(): Promise<Deno.CommandStatus> {
    this.signal("SIGCONT");
    this.signal("SIGKILL");
    return await this.#status;
  }

  /** SIGSTOP: freeze the child. */
  pause(): void {
    this.signal("SIGSTOP");
  }

  /** SIGCONT: resume a frozen child. */
  resume(): void {
    this.signal("SIGCONT");
  }

  /** SIGTERM, then wait for the exit (SIGKILL after `graceMs`). */
  async terminate(graceMs = 5000): Promise<Deno.CommandStatus> {
    this.signal("SIGCONT");
    this.signal("SIGTERM");
    const timer = setTimeout(() => this.signal("SIGKILL"), graceMs);
    try {
      return await this.#status;
    } finally {
      clearTimeout(timer);
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.kill();
  }
}

async function pump(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  let buf = "";
  for await (const chunk of stream) {
    buf += decoder.decode(chunk, { stream: true });
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      onLine(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  }
  if (buf) onLine(buf);
}

/**
 * Starts `deno run <permissions> <script> <args>` and waits for its ready line.
 * @param script Path or file URL of the program.
 * @param options Arguments, permissions, timeouts.
 * @returns The running child.
 */
export async function spawnChild(
  script: string | URL,
  options: SpawnOptions = {},
): Promise<Child> {
  const path = script instanceof URL ? script.pathname : script;
  const cmd = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      ...(options.permissions ?? ["-A"]),
      path,
      ...(options.args ?? []),
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: options.env,
  });
  const process = cmd.spawn();
  const lines: string[] = [];
  const stderr: string[] = [];
  const listeners = new Set<(line: string) => void>();
  let onReady: ((r: ReadyLine) => void) | undefined;
  const ready = new Promise<ReadyLine>((resolve) => onReady = resolve);
  void pump(process.stdout, (line) => {
    lines.push(line);
    for (const l of [...listeners]) l(line);
    if (line.startsWith("{") && line.includes('"ready"')) {
      try {
        const parsed = JSON.parse(line);
        if (parsed.event === "ready") onReady?.(parsed);
      } catch {
        // not JSON after all
      }
    }
  }).catch(() => {});
  const decoder = new TextDecoder();
  void (async () => {
    for await (const chunk of process.stderr) {
      stderr.push(decoder.decode(chunk));
    }
  })().catch(() => {});
  if (options.waitReady === false) {
    return new Child(
      process,
      { event: "ready" },
      lines,
      stderr,
      listeners,
    );
  }
  const timeoutMs = options.readyTimeoutMs ?? 20000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const result = await Promise.race([
    ready,
    process.status.then((s) => ({ exited: s })),
    new Promise<"timeout">((r) =>
      timer = setTimeout(() => r("timeout"), timeoutMs)
    ),
  ]);
  clearTimeout(timer);
  if (result === "timeout" || "exited" in result) {
    try {
      process.kill("SIGKILL");
    } catch {
      // already gone
    }
    await process.status;
    throw new Error(
      `${path} did not print its ready line (${
        result === "timeout"
          ? `timeout ${timeoutMs} ms`
          : `exited ${JSON.stringify(result.exited)}`
      }); stderr:\n${stderr.join("")}`,
    );
  }
  return new Child(process, result, lines, stderr, listeners);
}

/** Prints a child's ready line; for fixtures. */
export function printReady(fields: Record<string, unknown>): void {
  console.log(JSON.stringify({ event: "ready", ...fields }));
}
