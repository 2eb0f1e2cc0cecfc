// Shared by the load run's child processes.
import {
  type FileDescriptorLimit,
  raiseFileDescriptorLimit,
} from "../../src/transport/mod.ts";

/** Raises the soft descriptor limit to the hard one; returns the limits. */
export function raisedFdLimit(): FileDescriptorLimit {
  return raiseFileDescriptorLimit();
}

/** Resolves when the orchestrator writes "go" on stdin. */
export async function waitForGo(): Promise<void> {
  const reader = Deno.stdin.readable.pipeThrough(new TextDecoderStream())
    .getReader();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error("stdin closed before go");
    buf += value;
    if (buf.includes("go\n")) break;
  }
  reader.releaseLock();
}
