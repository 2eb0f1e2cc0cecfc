// Runs `deno doc --lint` on every entry of deno.json's "exports", each on
// its own: an entry can be clean as part of mod.ts and still reference a
// type it does not export itself. Used by `deno task check` and `.ci/run`.
// Run: deno run --allow-read --allow-run .ci/doc_lint.ts
const root = new URL("../", import.meta.url);
const config = JSON.parse(
  await Deno.readTextFile(new URL("deno.json", root)),
) as { exports: Record<string, string> };
let failed = 0;
for (const [name, path] of Object.entries(config.exports)) {
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--lint", path],
    cwd: root,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  console.log(
    `deno doc --lint ${path} (${name}): ${code === 0 ? "clean" : "FAILED"}`,
  );
  if (code !== 0) failed++;
}
Deno.exit(failed === 0 ? 0 : 1);
