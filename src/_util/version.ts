/**
 * The library's version, as in `deno.json` (a test keeps the two equal).
 * The broker reports it in its `mmi.rz` reply and the CLI in `--version`.
 *
 * @module
 */

/** The version of reliable-zmq. */
export const VERSION = "0.1.0";
