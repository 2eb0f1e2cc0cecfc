import {
  assert,
  assertEquals,
  assertRejects,
  assertThrows,
} from "../helpers/assert.ts";
import { KeyFileError } from "../../src/errors.ts";
import {
  isCurveKey,
  loadAllowedKeys,
  loadKeyFile,
  loadKeyPair,
  writeKeyPair,
} from "../../src/security/keys.ts";
import { curveKeyPair } from "../../src/transport/mod.ts";

/** Rejects with a KeyFileError whose message matches `re`. */
async function rejectsKey(
  fn: () => Promise<unknown>,
  re: RegExp,
): Promise<void> {
  await fn().then(
    () => assert(false, `expected a KeyFileError matching ${re}`),
    (e) => {
      assert(e instanceof KeyFileError, String(e));
      assert(re.test(e.message), e.message);
    },
  );
}

async function tmp(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "rzmq-keys-" });
}

Deno.test("keys: a written pair reads back; the secret file is 0600", async () => {
  const dir = await tmp();
  try {
    const w = await writeKeyPair(`${dir}/broker`, { metadata: { name: "b" } });
    assert(isCurveKey(w.publicKey) && isCurveKey(w.secretKey));
    assertEquals((await Deno.stat(w.secretFile)).mode! & 0o777, 0o600);
    const pub = await loadKeyFile(w.publicFile);
    assertEquals(pub.publicKey, w.publicKey);
    assertEquals(pub.secretKey, undefined);
    assertEquals(pub.metadata.name, "b");
    assert(!(await Deno.readTextFile(w.publicFile)).includes(w.secretKey));
    const pair = await loadKeyPair(w.secretFile);
    assertEquals(pair, { publicKey: w.publicKey, secretKey: w.secretKey });
    // Existing files are refused without overwrite.
    await assertRejects(() => writeKeyPair(`${dir}/broker`), KeyFileError);
    const again = await writeKeyPair(`${dir}/broker`, { overwrite: true });
    assert(again.publicKey !== w.publicKey);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("keys: a secret file readable by others is refused, saying how to fix it", async () => {
  const dir = await tmp();
  try {
    const w = await writeKeyPair(`${dir}/k`);
    await Deno.chmod(w.secretFile, 0o644);
    await rejectsKey(
      () => loadKeyPair(w.secretFile),
      /permissions 0644.*chmod 600/,
    );
    // A public file may be world-readable.
    await Deno.chmod(w.publicFile, 0o644);
    await loadKeyFile(w.publicFile);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("keys: malformed content gives clear KeyFileErrors", async () => {
  const dir = await tmp();
  const cases: [string, string, RegExp][] = [
    ["empty", "", /no curve section/],
    ["garbage", "hello world\n", /no curve section/],
    [
      "short",
      'curve\n    public-key = "abc"\n',
      /malformed public-key.*3 characters/,
    ],
    [
      "badchar",
      `curve\n    public-key = "${"~".repeat(40)}"\n`,
      /malformed public-key/,
    ],
  ];
  try {
    for (const [name, text, re] of cases) {
      await Deno.writeTextFile(`${dir}/${name}`, text);
      await loadKeyFile(`${dir}/${name}`).then(
        () => assert(false, `${name} accepted`),
        (e) => {
          assert(e instanceof KeyFileError, String(e));
          assert(re.test(e.message), `${name}: ${e.message}`);
        },
      );
    }
    // A secret key that is not the public key's.
    const a = curveKeyPair();
    const b = curveKeyPair();
    await Deno.writeTextFile(
      `${dir}/mixed_secret`,
      `curve\n    public-key = "${a.publicKey}"\n    secret-key = "${b.secretKey}"\n`,
      { mode: 0o600 },
    );
    await rejectsKey(
      () => loadKeyPair(`${dir}/mixed_secret`),
      /does not belong/,
    );
    await rejectsKey(() => loadKeyFile(`${dir}/missing`), /not found/);
    // A public file given where a secret is needed.
    await Deno.writeTextFile(`${dir}/bare`, `${a.publicKey}\n`);
    assertEquals((await loadKeyFile(`${dir}/bare`)).publicKey, a.publicKey);
    await rejectsKey(() => loadKeyPair(`${dir}/bare`), /no secret-key/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("keys: an allow-list directory: public files read, secret and dot files skipped, bad files refused", async () => {
  const dir = await tmp();
  try {
    const a = await writeKeyPair(`${dir}/alice`);
    const b = await writeKeyPair(`${dir}/bob`);
    await Deno.writeTextFile(`${dir}/.hidden`, "whatever");
    const keys = await loadAllowedKeys(dir);
    assertEquals(keys, [a.publicKey, b.publicKey].sort());
    await Deno.writeTextFile(`${dir}/notes.txt`, "not a key");
    await rejectsKey(() => loadAllowedKeys(dir), /notes\.txt/);
    await rejectsKey(
      () => loadAllowedKeys(`${dir}/nope`),
      /directory not found/,
    );
    assertThrows(() => {
      throw new KeyFileError("", "x");
    }, KeyFileError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("keys: deno task keygen writes the pair and prints the public key", async () => {
  const dir = await tmp();
  try {
    const run = (args: string[]) =>
      new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          new URL("../../src/cli/keygen.ts", import.meta.url).pathname,
          ...args,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
    const out = await run(["--name", "w1", `${dir}/w1`]);
    assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
    const printed = new TextDecoder().decode(out.stdout).trim();
    assert(isCurveKey(printed));
    assertEquals((await loadKeyPair(`${dir}/w1_secret`)).publicKey, printed);
    assertEquals((await loadKeyFile(`${dir}/w1`)).metadata.name, "w1");
    assertEquals((await run([`${dir}/w1`])).code, 1); // exists
    assertEquals((await run([])).code, 2); // usage
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
