/**
 * 7/MDP encoders and the shared frames they write. Private: re-exported by
 * `codec.ts`, the module to import.
 *
 * @module
 */
import {
  ascii,
  bodyArg,
  describe,
  EMPTY,
  frameArg,
  type FrameLike,
} from "../_frames.ts";
import { MdpHeader, MdpLimits, MdpWorkerCommand } from "./spec.ts";

/**
 * `"MDPC01"` as bytes (shared; never mutate).
 *
 * @example
 * ```ts
 * import { MDPC01 } from "./codec.ts";
 * console.log(new TextDecoder().decode(MDPC01)); // "MDPC01"
 * ```
 */
export const MDPC01: Uint8Array = ascii(MdpHeader.CLIENT);
/**
 * `"MDPW01"` as bytes (shared; never mutate).
 *
 * @example
 * ```ts
 * import { MDPW01 } from "./codec.ts";
 * console.log(MDPW01.length); // 6
 * ```
 */
export const MDPW01: Uint8Array = ascii(MdpHeader.WORKER);

/**
 * One-octet command frames by command (shared; never mutate).
 *
 * @example
 * ```ts
 * import { COMMAND_FRAME, MdpWorkerCommand } from "./codec.ts";
 * console.log([...COMMAND_FRAME[MdpWorkerCommand.REPLY]]); // [ 3 ]
 * ```
 */
export const COMMAND_FRAME: Readonly<Record<MdpWorkerCommand, Uint8Array>> =
  Object.fromEntries(
    Object.values(MdpWorkerCommand).map((c) => [c, new Uint8Array([c])]),
  ) as Record<MdpWorkerCommand, Uint8Array>;

/**
 * Wire names of the worker commands by octet, for logs.
 *
 * @example
 * ```ts
 * import { COMMAND_NAME } from "./codec.ts";
 * console.log(COMMAND_NAME[4]); // "HEARTBEAT"
 * ```
 */
export const COMMAND_NAME: Readonly<Record<number, string>> = Object
  .fromEntries(Object.entries(MdpWorkerCommand).map(([k, v]) => [v, k]));

const NAME_MAX = MdpLimits.SERVICE_MAX_BYTES;
const ADDR_MIN = MdpLimits.ADDRESS_MIN_BYTES;
const ADDR_MAX = MdpLimits.ADDRESS_MAX_BYTES;

/**
 * Checks a service name: 1 to 255 bytes; a string is UTF-8 encoded.
 *
 * @param service The name.
 * @returns The name's bytes.
 * @throws {TypeError} When it is neither a string nor bytes.
 * @throws {RangeError} When it is empty or longer than 255 bytes.
 * @example
 * ```ts
 * import { validateServiceName } from "./codec.ts";
 * console.log(validateServiceName("echo").length); // 4
 * ```
 */
export function validateServiceName(service: unknown): Uint8Array {
  return frameArg("validateServiceName()", "service", service, 1, NAME_MAX);
}

/**
 * Encodes a client REQUEST as a DEALER writes it (with the leading `""`).
 *
 * @param service Service name.
 * @param body One or more body frames.
 * @returns `["", "MDPC01", service, ...body]`.
 * @throws {TypeError} On a bad argument type.
 * @throws {RangeError} On an empty or too long service, or an empty body.
 * @example
 * ```ts
 * import { encodeClientRequest } from "./codec.ts";
 * console.log(encodeClientRequest("echo", ["hi"]).length); // 4
 * ```
 */
export function encodeClientRequest(
  service: FrameLike,
  body: readonly FrameLike[],
): Uint8Array[] {
  const fn = "encodeClientRequest()";
  const s = frameArg(fn, "service", service, 1, NAME_MAX);
  return [EMPTY, MDPC01, s, ...bodyArg(fn, "body", body)];
}

/**
 * Encodes a worker READY (with the leading `""`).
 *
 * @param service The one service this worker serves.
 * @returns `["", "MDPW01", 0x01, service]`.
 * @throws {TypeError} On a bad argument type.
 * @throws {RangeError} On an empty or too long service name.
 * @example
 * ```ts
 * import { encodeReady } from "./codec.ts";
 * console.log(encodeReady("echo").length); // 4
 * ```
 */
export function encodeReady(service: FrameLike): Uint8Array[] {
  const s = frameArg("encodeReady()", "service", service, 1, NAME_MAX);
  return [EMPTY, MDPW01, COMMAND_FRAME[MdpWorkerCommand.READY], s];
}

/**
 * Encodes a worker REPLY (with the leading `""`).
 *
 * @param clientAddress The address frame the REQUEST carried (1-255 bytes).
 * @param body One or more reply frames.
 * @returns `["", "MDPW01", 0x03, address, "", ...body]`.
 * @throws {TypeError} On a bad argument type.
 * @throws {RangeError} On an empty or too long address, or an empty body.
 * @example
 * ```ts
 * import { encodeWorkerReply } from "./codec.ts";
 * console.log(encodeWorkerReply(new Uint8Array([0, 1, 2, 3, 4]), ["ok"]).length); // 6
 * ```
 */
export function encodeWorkerReply(
  clientAddress: Uint8Array,
  body: readonly FrameLike[],
): Uint8Array[] {
  const fn = "encodeWorkerReply()";
  if (!(clientAddress instanceof Uint8Array)) {
    throw new TypeError(
      `${fn}: clientAddress must be a Uint8Array, got ${
        describe(clientAddress)
      }`,
    );
  }
  frameArg(fn, "clientAddress", clientAddress, ADDR_MIN, ADDR_MAX);
  return [
    EMPTY,
    MDPW01,
    COMMAND_FRAME[MdpWorkerCommand.REPLY],
    clientAddress,
    EMPTY,
    ...bodyArg(fn, "body", body),
  ];
}

/**
 * Encodes a command with no payload (HEARTBEAT or DISCONNECT) with the
 * leading `""`, as a worker writes it; a broker puts the worker's identity
 * in front.
 *
 * @param command `MdpWorkerCommand.HEARTBEAT` or `.DISCONNECT`.
 * @returns `["", "MDPW01", command]`.
 * @throws {RangeError} For any other command.
 * @example
 * ```ts
 * import { encodeWorkerSignal, MdpWorkerCommand } from "./codec.ts";
 * console.log(encodeWorkerSignal(MdpWorkerCommand.HEARTBEAT).length); // 3
 * ```
 */
export function encodeWorkerSignal(command: MdpWorkerCommand): Uint8Array[] {
  if (
    command !== MdpWorkerCommand.HEARTBEAT &&
    command !== MdpWorkerCommand.DISCONNECT
  ) {
    throw new RangeError(
      `encodeWorkerSignal(): command must be HEARTBEAT (4) or DISCONNECT (5), got ${
        describe(command)
      }`,
    );
  }
  return [EMPTY, MDPW01, COMMAND_FRAME[command]];
}

/**
 * Encodes a REQUEST from the broker to a worker, as the broker writes it to
 * its ROUTER (worker identity first).
 *
 * @param worker The worker's routing identity.
 * @param client The client's routing identity (the address frame).
 * @param body One or more body frames.
 * @returns `[worker, "", "MDPW01", 0x02, client, "", ...body]`.
 * @throws {TypeError} On a bad argument type.
 * @throws {RangeError} On empty or too long identities, or an empty body.
 * @example
 * ```ts
 * import { encodeBrokerRequest } from "./codec.ts";
 * const id = new Uint8Array([0, 0, 0, 0, 1]);
 * console.log(encodeBrokerRequest(id, id, ["x"]).length); // 7
 * ```
 */
export function encodeBrokerRequest(
  worker: Uint8Array,
  client: Uint8Array,
  body: readonly FrameLike[],
): Uint8Array[] {
  const fn = "encodeBrokerRequest()";
  return [
    frameArg(fn, "worker", worker, ADDR_MIN, ADDR_MAX),
    EMPTY,
    MDPW01,
    COMMAND_FRAME[MdpWorkerCommand.REQUEST],
    frameArg(fn, "client", client, ADDR_MIN, ADDR_MAX),
    EMPTY,
    ...bodyArg(fn, "body", body),
  ];
}

/**
 * Encodes a REPLY from the broker to a client, as the broker writes it to
 * its ROUTER (client identity first).
 *
 * @param client The client's routing identity.
 * @param service The service that answered.
 * @param body One or more body frames.
 * @returns `[client, "", "MDPC01", service, ...body]`.
 * @throws {TypeError} On a bad argument type.
 * @throws {RangeError} On an empty identity, service or body.
 * @example
 * ```ts
 * import { encodeBrokerReply } from "./codec.ts";
 * console.log(encodeBrokerReply(new Uint8Array([7]), "echo", ["hi"]).length); // 5
 * ```
 */
export function encodeBrokerReply(
  client: Uint8Array,
  service: FrameLike,
  body: readonly FrameLike[],
): Uint8Array[] {
  const fn = "encodeBrokerReply()";
  return [
    frameArg(fn, "client", client, ADDR_MIN, ADDR_MAX),
    EMPTY,
    MDPC01,
    frameArg(fn, "service", service, 1, NAME_MAX),
    ...bodyArg(fn, "body", body),
  ];
}
