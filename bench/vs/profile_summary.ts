// Summarises the profiles of `deno task bench:vs --profile DIR` (perf record
// data, one file per process) and of `--ours-flags "--cpu-prof
// --cpu-prof-dir=DIR"` (V8 .cpuprofile files), as Markdown, so that before
// and after a change can be compared with one command:
//
//   deno run -A bench/vs/profile_summary.ts perf DIR [--top 12]
//   deno run -A bench/vs/profile_summary.ts cpuprof DIR [--top 12]
//
// perf: each process's samples by where they ran (kernel, libc, libzmq,
// czmq, the deno binary = V8 runtime + builtins + FFI glue + Deno's ops,
// JIT-compiled JS, WebAssembly, other), then its hottest JS functions and
// native symbols. Our processes run with --perf-basic-prof, so JIT code is
// named. In this VM perf samples on a timer, so kernel time lands on the
// instruction that re-enables interrupts (pvm_irq_enable): trust the
// kernel's total, not its split by symbol.
import { parseFlags } from "../../src/_util/args.ts";

const f = parseFlags(Deno.args.slice(2), {
  top: { type: "string", description: "functions listed", default: "12" },
});
const [kind, dir] = Deno.args;
const TOP = Number(f.top);

interface Row {
  pct: number;
  dso: string;
  sym: string;
}

function category(r: Row): string {
  if (r.dso === "[kernel.kallsyms]") return "kernel";
  if (r.dso.startsWith("libc.so")) return "libc";
  if (r.dso === "addon.node" || r.dso.startsWith("libzmq")) return "libzmq";
  if (r.dso.startsWith("libczmq")) return "czmq";
  if (r.dso === "deno") return "deno binary";
  if (r.dso.startsWith("[JIT]")) {
    if (/wasm-function|js-to-wasm|wasm-to-js/.test(r.sym)) return "wasm";
    return "JIT JS";
  }
  return "other";
}
const CATS = [
  "kernel",
  "libc",
  "libzmq",
  "czmq",
  "deno binary",
  "JIT JS",
  "wasm",
  "other",
];

function shortSym(s: string): string {
  // JS:*'#stage file:///.../src/transport/socket.ts:480:80 -> #stage (socket.ts)
  const m = s.match(/^JS:[*+~^]?'?(\S*) (?:file:\/\/)?\S*\/([^/:]+):\d+:\d+/);
  return m ? `${m[1] || "(anonymous)"} (${m[2]})` : s;
}

async function perfRows(file: string): Promise<Row[]> {
  const r = await new Deno.Command("perf", {
    args: [
      "report",
      "-i",
      file,
      "--no-children",
      "--sort",
      "dso,sym",
      "--stdio",
      "-g",
      "none",
      "--percent-limit",
      "0",
    ],
    stdout: "piped",
    stderr: "null",
  }).output();
  const rows: Row[] = [];
  for (const l of new TextDecoder().decode(r.stdout).split("\n")) {
    const m = l.match(/^\s+([\d.]+)%\s+(\[JIT\] tid \d+|\S+)\s+\[.\]\s+(.*)$/);
    if (m) rows.push({ pct: Number(m[1]), dso: m[2], sym: m[3].trim() });
  }
  return rows;
}

async function perf() {
  const files = [...Deno.readDirSync(dir)].map((e) => e.name)
    .filter((n) => n.endsWith(".data")).sort();
  const out: string[] = [
    `| process | ${CATS.join(" | ")} |`,
    `|---|${CATS.map(() => "---:").join("|")}|`,
  ];
  const details: string[] = [];
  for (const name of files) {
    const rows = await perfRows(`${dir}/${name}`);
    const by: Record<string, number> = {};
    for (const r of rows) by[category(r)] = (by[category(r)] ?? 0) + r.pct;
    const label = name.replace(/\.data$/, "");
    out.push(
      `| ${label} | ${
        CATS.map((c) => `${(by[c] ?? 0).toFixed(1)}%`).join(" | ")
      } |`,
    );
    // One line per function: V8 may have it in several tiers at once.
    const jsBy = new Map<string, number>();
    for (const r of rows) {
      if (category(r) !== "JIT JS") continue;
      const k = shortSym(r.sym);
      jsBy.set(k, (jsBy.get(k) ?? 0) + r.pct);
    }
    const js = [...jsBy.entries()].sort((a, b) => b[1] - a[1]).slice(0, TOP);
    const native = rows.filter((r) =>
      ["libzmq", "czmq", "libc"].includes(category(r))
    ).slice(0, TOP);
    details.push(
      "",
      `#### ${label}`,
      "",
      `- hottest JS: ${
        js.length
          ? js.map(([k, pct]) => `${k} ${pct.toFixed(2)}%`).join(", ")
          : "–"
      }`,
      `- hottest native (libzmq, czmq, libc): ${
        native.map((r) => `${r.sym} ${r.pct.toFixed(2)}%`).join(", ")
      }`,
    );
  }
  console.log([...out, ...details].join("\n"));
}

interface CpuNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

function cpuprof() {
  for (
    const e of [...Deno.readDirSync(dir)].sort((a, b) =>
      a.name < b.name ? -1 : 1
    )
  ) {
    if (!e.name.endsWith(".cpuprofile")) continue;
    const p = JSON.parse(Deno.readTextFileSync(`${dir}/${e.name}`)) as {
      nodes: CpuNode[];
      samples: number[];
    };
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const self = new Map<string, number>();
    let idle = 0, total = 0;
    for (const id of p.samples) {
      const n = byId.get(id)!;
      const fn = n.callFrame.functionName || "(anonymous)";
      total++;
      if (fn === "(idle)" || fn === "(program)") {
        if (fn === "(idle)") idle++;
        continue;
      }
      const file = n.callFrame.url.split("/").pop() || "";
      const key = `${fn}${file ? ` (${file})` : ""}`;
      self.set(key, (self.get(key) ?? 0) + 1);
    }
    const busy = total - idle;
    const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, TOP);
    console.log(
      `\n#### ${e.name}\n\n${total} samples, ${
        (100 * idle / total).toFixed(1)
      }% idle. Self time, % of non-idle samples: ${
        top.map(([k, v]) => `${k} ${(100 * v / busy).toFixed(1)}%`).join(", ")
      }`,
    );
  }
}

if (kind === "perf") await perf();
else if (kind === "cpuprof") cpuprof();
else {
  console.error("usage: profile_summary.ts perf|cpuprof DIR [--top N]");
  Deno.exit(2);
}
