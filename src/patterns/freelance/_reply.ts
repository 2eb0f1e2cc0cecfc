/**
 * The check of a Freelance server handler's answer. Private.
 *
 * @module
 */
import type { Frame } from "../../types.ts";

/**
 * Whether a handler's answer is a non-empty array of frames.
 * @param reply What the handler returned.
 * @returns Whether it can be sent.
 */
export function isReply(reply: unknown): reply is readonly Frame[] {
  if (!Array.isArray(reply) || reply.length === 0) return false;
  for (let i = 0; i < reply.length; i++) {
    const f = reply[i];
    if (typeof f !== "string" && !(f instanceof Uint8Array)) return false;
  }
  return true;
}
