/**
 * The numbers of the 7/MDP and 6/PPP grammars the TypeScript envelope
 * classifier needs, read from the spec data (`src/protocol/<spec>/spec.ts`)
 * once: frame indexes in a ROUTER's view (the sender's identity is frame 0),
 * frame counts and the header bytes. The WebAssembly classifier reads the
 * same data through `wasm/assembly/_spec.generated.ts`. Private.
 *
 * @module
 */
import {
  MdpHeader,
  MdpLimits,
  MdpMessage,
  MdpWorkerCommand,
} from "../protocol/mdp/spec.ts";
import { PppCommand, PppLimits, PppMessage } from "../protocol/ppp/spec.ts";
import { ascii } from "./_envelope_common.ts";

const mdpAt = (m: keyof typeof MdpMessage, f: string, from = 0) =>
  1 + (MdpMessage[m].frames as readonly string[]).indexOf(f, from);

/** 7/MDP: the protocol header. */
export const AT_HEADER: number = mdpAt("READY", "header");
/** 7/MDP: a worker command's command octet. */
export const AT_COMMAND: number = mdpAt("READY", "command");
/** 7/MDP: a client request's service name. */
export const AT_CLIENT_SERVICE: number = mdpAt("CLIENT_REQUEST", "service");
/** 7/MDP: a client request's first body frame. */
export const AT_CLIENT_BODY: number = mdpAt("CLIENT_REQUEST", "body+");
/** 7/MDP: READY's service name. */
export const AT_READY_SERVICE: number = mdpAt("READY", "service");
/** 7/MDP: REQUEST's and REPLY's client address. */
export const AT_ADDRESS: number = mdpAt("REQUEST", "address");
/** 7/MDP: the empty frame after the client address. */
export const AT_ADDRESS_END: number = mdpAt("REQUEST", "empty", AT_ADDRESS - 1);
/** 7/MDP: REQUEST's and REPLY's first body frame. */
export const AT_WORKER_BODY: number = mdpAt("REQUEST", "body+");
/** 7/MDP: frames of a READY. */
export const READY_FRAMES: number = 1 + MdpMessage.READY.frames.length;
/** 7/MDP: frames of a HEARTBEAT or DISCONNECT. */
export const SIGNAL_FRAMES: number = 1 + MdpMessage.HEARTBEAT.frames.length;

const HC = ascii(MdpHeader.CLIENT), HW = ascii(MdpHeader.WORKER);
if (
  HC.length !== 6 || HW.length !== 6 ||
  HC.some((b, i) => (b !== HW[i]) !== (i === 3))
) {
  // The classifiers (here and in wasm/assembly/envelope.ts) check the shared
  // bytes 0-2 and 4-5 unrolled and tell the headers apart by byte 3.
  throw new Error("7/MDP headers in the spec data must differ in byte 3 only");
}
/** Header bytes shared by `"MDPC01"` and `"MDPW01"` (byte 3 differs). */
export const [H0, H1, H2, , H4, H5]: number[] = [...HC];
/** The client header's byte 3 (`C`). */
export const C_TAG: number = HC[3];
/** The worker header's byte 3 (`W`). */
export const W_TAG: number = HW[3];
/** Bytes of either header. */
export const HEADER_BYTES: number = HC.length;

/** 7/MDP: worker command octets. */
export const { READY, REQUEST, REPLY, HEARTBEAT, DISCONNECT } =
  MdpWorkerCommand;
/** 7/MDP: bytes of a command frame. */
export const COMMAND_BYTES: number = MdpLimits.COMMAND_BYTES;
/** 7/MDP: smallest client address. */
export const ADDRESS_MIN: number = MdpLimits.ADDRESS_MIN_BYTES;
/** 7/MDP: largest client address. */
export const ADDRESS_MAX: number = MdpLimits.ADDRESS_MAX_BYTES;

/** 6/PPP: command octets. */
export const { READY: PPP_READY, HEARTBEAT: PPP_HEARTBEAT } = PppCommand;
/** 6/PPP: bytes of a command frame. */
export const PPP_COMMAND_BYTES: number = PppLimits.COMMAND_BYTES;
/** 6/PPP: smallest client address. */
export const PPP_ADDRESS_MIN: number = PppLimits.ADDRESS_MIN_BYTES;
/** 6/PPP: largest client address. */
export const PPP_ADDRESS_MAX: number = PppLimits.ADDRESS_MAX_BYTES;
/** 6/PPP: frames of a command (identity and the command octet). */
export const PPP_COMMAND_FRAMES: number = 1 + PppMessage.READY.frames.length;
// A reply at the queue's backend: [id(w)][address][""][body+] (one address).
const pppAt = (f: string) =>
  1 + (PppMessage.REPLY.frames as readonly string[]).indexOf(f);
/** 6/PPP: a reply's client address. */
export const PPP_AT_ADDRESS: number = pppAt("address+");
/** 6/PPP: the empty frame after it. */
export const PPP_AT_DELIMITER: number = pppAt("empty");
/** 6/PPP: a reply's first body frame. */
export const PPP_AT_BODY: number = pppAt("body+");
/** 6/PPP: the fewest frames of a reply. */
export const PPP_REPLY_FRAMES: number = PPP_AT_BODY + 1;
