// bench/vs set-up, run before the benchmark enters its network namespace:
// build the guide's C reference (czmq 3.0.2 + examples, from the anchors
// directory), compile our C client (bench/vs/c/vs_client.c) against it,
// install nats-server and perf from Debian when missing, cache the npm
// packages the Deno children import, and describe the machine.

async function sh(
  cmd: string,
  args: string[],
  opts: { quiet?: boolean; env?: Record<string, string> } = {},
): Promise<{ ok: boolean; out: string }> {
  try {
    const r = await new Deno.Command(cmd, {
      args,
      env: opts.env,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dec = new TextDecoder();
    const out = dec.decode(r.stdout) + dec.decode(r.stderr);
    if (!r.success && !opts.quiet) {
      console.error(`${cmd} ${args.join(" ")} failed:\n${out.slice(-3000)}`);
    }
    return { ok: r.success, out };
  } catch (e) {
    if (!opts.quiet) console.error(`${cmd}: ${(e as Error).message}`);
    return { ok: false, out: "" };
  }
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

async function which(cmd: string): Promise<boolean> {
  return (await sh("sh", ["-c", `command -v ${cmd}`], { quiet: true })).ok;
}

let aptUpdated = false;
async function aptInstall(pkg: string): Promise<void> {
  const env = {
    DEBIAN_FRONTEND: "noninteractive",
    PATH: Deno.env.get("PATH")!,
  };
  console.error(`bench:vs: installing ${pkg} from Debian (apt-get)`);
  let r = await sh("apt-get", ["install", "-y", "-qq", pkg], {
    quiet: true,
    env,
  });
  if (!r.ok && !aptUpdated) {
    aptUpdated = true;
    await sh("apt-get", ["update", "-qq"], { env });
    r = await sh("apt-get", ["install", "-y", "-qq", pkg], { env });
  }
  if (!r.ok) throw new Error(`could not install ${pkg} with apt-get`);
}

/** Builds the C reference into `build` (once) and our C clients (always). */
export async function buildC(anchors: string, build: string): Promise<string> {
  const bin = `${build}/bin`;
  const need = ["mdbroker", "mdworker_ep", "noresolve.so"];
  if (!need.every((f) => exists(`${bin}/${f}`))) {
    if (!exists(`${anchors}/build.sh`)) {
      throw new Error(
        `no C reference in ${bin} and no ${anchors}/build.sh to build it: pass --anchors DIR`,
      );
    }
    console.error(`bench:vs: building the C reference into ${build} (~1 min)`);
    const r = await sh("bash", [`${anchors}/build.sh`, build]);
    if (!r.ok) throw new Error("anchors build.sh failed");
  }
  const src = new URL("./c/vs_client.c", import.meta.url).pathname;
  for (const mode of ["sync", "async"]) {
    const r = await sh("gcc", [
      "-O2",
      "-w",
      ...(mode === "async" ? ["-DVS_ASYNC"] : []),
      `-I${build}/src/zguide`,
      `-I${build}/prefix/include`,
      `-L${build}/prefix/lib`,
      `-Wl,-rpath,${build}/prefix/lib`,
      "-o",
      `${bin}/vs_client_${mode}`,
      src,
      "-lczmq",
      "-lzmq",
    ]);
    if (!r.ok) throw new Error(`compiling ${src} (${mode}) failed`);
  }
  const shim = new URL("./c/noresolve_vs.c", import.meta.url).pathname;
  const r = await sh("gcc", [
    "-O2",
    "-shared",
    "-fPIC",
    "-o",
    `${bin}/noresolve_vs.so`,
    shim,
    "-ldl",
  ]);
  if (!r.ok) throw new Error(`compiling ${shim} failed`);
  return bin;
}

/** Installs what the chosen runs need and is missing. */
export async function installTools(nats: boolean, perf: boolean) {
  if (nats && !(await which("nats-server"))) await aptInstall("nats-server");
  if (perf && !(await which("perf"))) await aptInstall("linux-perf");
  for (
    const t of ["unshare", "ip", "gcc", "mkfifo", ...(nats ? ["node"] : [])]
  ) {
    if (!(await which(t))) throw new Error(`bench:vs needs ${t} on PATH`);
  }
}

/** Fetches the npm packages the Deno children import (before the netns). */
export async function cacheDeno(root: string): Promise<void> {
  for (const f of ["ours_proc.ts", "nats_proc.ts", "run.ts"]) {
    const r = await sh(Deno.execPath(), ["cache", `${root}/bench/vs/${f}`]);
    if (!r.ok) throw new Error(`deno cache bench/vs/${f} failed`);
  }
}

/** Machine and versions, for the report. */
export async function describe(
  oursLibzmq: string,
  natsRuntime: string,
): Promise<Record<string, string>> {
  const cpu = Deno.readTextFileSync("/proc/cpuinfo").match(
    /model name\s*:\s*(.*)/,
  )?.[1] ?? "?";
  const mem = Deno.readTextFileSync("/proc/meminfo").match(
    /MemTotal:\s*(\d+)/,
  )?.[1];
  const dpkg = async (p: string) =>
    (await sh("dpkg-query", ["-W", "-f=${Version}", p], { quiet: true }))
      .out.trim() || "?";
  const nats = (await sh("nats-server", ["--version"], { quiet: true })).out
    .trim();
  const perf = (await sh("perf", ["--version"], { quiet: true })).out.trim();
  const kernel = (await sh("uname", ["-r"], { quiet: true })).out.trim();
  const debian = exists("/etc/debian_version")
    ? Deno.readTextFileSync("/etc/debian_version").trim()
    : "?";
  return {
    machine: `${navigator.hardwareConcurrency} vCPU (${cpu}), ${
      mem ? Math.round(Number(mem) / 1048576) : "?"
    } GiB, Linux ${kernel}, Debian ${debian}`,
    deno: `Deno ${Deno.version.deno} (V8 ${Deno.version.v8})`,
    ours: `libzmq ${oursLibzmq} (npm:zeromq 6.8.0, via FFI)`,
    c: `czmq 3.0.2 + the guide's examples, gcc -O2, Debian libzmq5 ${await dpkg(
      "libzmq5",
    )}`,
    nats: `${nats || "nats-server ?"} (Debian ${await dpkg(
      "nats-server",
    )}), nats.js @nats-io/transport-node 3.4.0 on ${
      natsRuntime === "node"
        ? `Node ${
          (await sh("node", ["--version"], { quiet: true })).out.trim()
        }`
        : "Deno"
    }`,
    perf: perf || "perf ?",
  };
}
