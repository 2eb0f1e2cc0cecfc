/**
 * The import rules of docs/PROTOCOLS.md ("What may import what"), checked
 * on the source: spec data are leaves, the core reads nothing of
 * src/protocol/ but those leaves, codecs stay pure, patterns use codecs.
 */
import assert from "node:assert/strict";

const SRC = new URL("../", import.meta.url);

/** Every .ts file under a folder of src/, relative to src/. */
async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(new URL(dir, SRC))) {
    const p = `${dir}${e.name}`;
    if (e.isDirectory) out.push(...await files(`${p}/`));
    else if (e.name.endsWith(".ts")) out.push(p);
  }
  return out.sort();
}

/** The module specifiers a file imports or re-exports, resolved against src/. */
async function imports(file: string): Promise<string[]> {
  const text = await Deno.readTextFile(new URL(file, SRC));
  const specs = [
    ...text.matchAll(/^(?:import|export)(?:[^;]*?from)?\s*"([^"]+)"/gms),
  ]
    .map((m) => m[1]);
  return specs.map((s) =>
    s.startsWith(".")
      ? new URL(s, new URL(file, SRC)).pathname.slice(SRC.pathname.length)
      : s
  );
}

Deno.test("spec data are leaves: every src/protocol/*/spec.ts imports nothing", async () => {
  const specs = (await files("protocol/")).filter((f) =>
    f.endsWith("/spec.ts")
  );
  assert.ok(specs.length >= 3, specs.join());
  for (const f of specs) assert.deepEqual(await imports(f), [], f);
});

Deno.test("src/core/ imports nothing from src/protocol/ but spec.ts leaves", async () => {
  let seen = 0;
  for (const f of await files("core/")) {
    for (const i of await imports(f)) {
      if (!i.startsWith("protocol/")) continue;
      assert.match(i, /^protocol\/[a-z0-9]+\/spec\.ts$/, `${f} imports ${i}`);
      seen++;
    }
  }
  assert.ok(seen > 0, "the core reads the spec data");
});

Deno.test("codecs import only their spec, the protocol helpers and errors.ts", async () => {
  const codecs = (await files("protocol/")).filter((f) =>
    /\/(codec|_encode)\.ts$/.test(f)
  );
  assert.ok(codecs.length >= 3);
  for (const f of codecs) {
    const dir = f.slice(0, f.lastIndexOf("/") + 1);
    for (const i of await imports(f)) {
      assert.ok(
        i === `${dir}spec.ts` || i === `${dir}_encode.ts` ||
          i === "protocol/_frames.ts" || i === "errors.ts",
        `${f} imports ${i}`,
      );
    }
  }
});

Deno.test("patterns reach the protocol layer through codecs only", async () => {
  for (const f of await files("patterns/")) {
    for (const i of await imports(f)) {
      if (!i.startsWith("protocol/")) continue;
      assert.match(i, /^protocol\/[a-z0-9]+\/codec\.ts$/, `${f} imports ${i}`);
    }
  }
});
