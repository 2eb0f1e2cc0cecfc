// The live page in a real browser: runs bench/observe_page.ts (broker CLI
// with --http, workers, load, headless Chromium over the DevTools
// protocol, every number on the page compared with /stats). Skipped, with
// a message, when no Chromium is installed.
import { assert, assertEquals } from "../helpers/assert.ts";

const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find(
  (p) => {
    try {
      return Deno.statSync(p).isFile;
    } catch {
      return false;
    }
  },
);
if (!CHROMIUM) {
  console.log(
    "page_test: SKIPPED, no Chromium (apt-get install -y chromium to run it)",
  );
}

Deno.test({
  name: "live page: the numbers shown in headless Chromium match /stats",
  ignore: !CHROMIUM,
  async fn() {
    const shot = await Deno.makeTempFile({ suffix: ".png" });
    try {
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          new URL("../../bench/observe_page.ts", import.meta.url).pathname,
          "--seconds",
          "3",
          "--chromium",
          CHROMIUM!,
          "--screenshot",
          shot,
        ],
        stdin: "null",
      }).output();
      const text = new TextDecoder().decode(out.stdout);
      const err = new TextDecoder().decode(out.stderr);
      assertEquals(out.code, 0, `${text}\n${err}`);
      assert(/^PASS: /m.test(text), text);
      const png = await Deno.readFile(shot);
      assertEquals([...png.slice(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
    } finally {
      await Deno.remove(shot).catch(() => {});
    }
  },
});
