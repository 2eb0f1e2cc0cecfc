/**
 * What Deno has granted, asked without ever prompting: the transport reads
 * an environment variable, a directory or opens a library only where the
 * permission is already granted (`Deno.permissions.querySync`), so a program
 * run at a terminal never stops to ask, and one run without a permission
 * gets the default instead of an error.
 *
 * @module
 */

/**
 * Whether a permission is granted now (never prompts).
 * @param desc The permission, e.g. `{ name: "env", variable: "X" }`.
 * @returns `true` only when it is granted.
 * @internal
 */
export function granted(desc: Deno.PermissionDescriptor): boolean {
  try {
    return Deno.permissions.querySync(desc).state === "granted";
  } catch {
    return false; // a runtime without the permissions API, or a bad path
  }
}

/**
 * Reads an environment variable if `--allow-env` (for it) is granted.
 * @param name The variable.
 * @returns Its value; `undefined` when unset, empty or not permitted.
 * @internal
 */
export function envIfGranted(name: string): string | undefined {
  if (!granted({ name: "env", variable: name })) return undefined;
  try {
    return Deno.env.get(name) || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a library may be opened through FFI. A bare name such as
 * `libzmq.so.5` (found by the dynamic loader) needs unscoped `--allow-ffi`:
 * Deno resolves a scoped FFI path against the working directory.
 * @param path A file path or a bare library name.
 * @returns Whether `Deno.dlopen(path)` would pass the permission check.
 * @internal
 */
export function ffiGranted(path: string): boolean {
  return path.includes("/") || path.includes("\\")
    ? granted({ name: "ffi", path })
    : granted({ name: "ffi" });
}
