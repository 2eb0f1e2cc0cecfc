/**
 * `deno task keygen NAME`: writes a CURVE key pair as CZMQ's `zcert_save`
 * does, `NAME` (the public key, to hand out) and `NAME_secret` (both keys,
 * permissions 0600, to keep), then prints the public key on stdout.
 * Existing files are refused unless `--force` is given. A bad command line
 * prints one line and the usage and exits 2; a write failure exits 1.
 *
 * @module
 */
import { writeKeyPair } from "../security/keys.ts";
import { KeyFileError } from "../errors.ts";
import { shutdown } from "../transport/mod.ts";
import {
  type FlagSpec,
  helpText,
  parseFlags,
  UsageError,
} from "../_util/args.ts";

const SPEC: Record<string, FlagSpec> = {
  name: {
    type: "string",
    description: 'the "name" written in the files\' metadata',
  },
  force: {
    type: "boolean",
    description: "replace existing files",
  },
  help: { type: "boolean", short: "h", description: "show this help" },
};

const USAGE = "deno task keygen [flags] PATH  (writes PATH and PATH_secret)";

function fail(message: string): never {
  console.error(`keygen: ${message}\n\n${helpText(USAGE, SPEC)}`);
  Deno.exit(2);
}

async function main(): Promise<void> {
  const args = [...Deno.args];
  const positional = args.filter((a) => !a.startsWith("-"));
  const flags = args.filter((a) => a.startsWith("-"));
  // --name takes a value: put it back with its flag.
  const nameAt = args.indexOf("--name");
  if (nameAt >= 0 && nameAt + 1 < args.length) {
    flags.push(args[nameAt + 1]);
    positional.splice(positional.indexOf(args[nameAt + 1]), 1);
  }
  let f;
  try {
    f = parseFlags(flags, SPEC);
  } catch (e) {
    if (e instanceof UsageError) fail(e.message);
    throw e;
  }
  if (f.help) {
    console.log(helpText(USAGE, SPEC));
    return;
  }
  if (positional.length !== 1) fail("give exactly one PATH");
  const path = positional[0];
  try {
    const pair = await writeKeyPair(path, {
      overwrite: f.force === true,
      metadata: typeof f.name === "string" ? { name: f.name } : {},
    });
    console.error(`keygen: wrote ${pair.publicFile} and ${pair.secretFile}`);
    console.log(pair.publicKey);
  } catch (e) {
    if (e instanceof KeyFileError) {
      console.error(`keygen: ${e.message}`);
      await shutdown();
      Deno.exit(1);
    }
    throw e;
  }
  await shutdown();
}

if (import.meta.main) await main();
