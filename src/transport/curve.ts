/**
 * CURVE keys: key pairs made by libzmq (`zmq_curve_keypair`).
 *
 * @module
 */
import { lastError, lib } from "./libzmq.ts";

const decoder = new TextDecoder();

/**
 * Creates a CURVE key pair with libzmq.
 * @returns Public and secret key, each a 40-character Z85 string.
 * @example
 * ```ts
 * import { curveKeyPair } from "@reliable/zmq";
 * const { publicKey, secretKey } = curveKeyPair();
 * console.log(publicKey.length, secretKey.length); // 40 40
 * ```
 */
export function curveKeyPair(): { publicKey: string; secretKey: string } {
  const pub = new Uint8Array(41);
  const sec = new Uint8Array(41);
  if (lib().zmq.zmq_curve_keypair(pub, sec) !== 0) {
    throw lastError("curve_keypair");
  }
  return {
    publicKey: decoder.decode(pub.subarray(0, 40)),
    secretKey: decoder.decode(sec.subarray(0, 40)),
  };
}

/**
 * Derives the public key of a CURVE secret key (`zmq_curve_public`).
 * @param secretKey The secret key, 40 characters of Z85.
 * @returns The public key, 40 characters of Z85.
 * @throws {RangeError} When `secretKey` is not a 40-character Z85 key.
 * @example
 * ```ts
 * import { curveKeyPair, curvePublicKey } from "@reliable/zmq";
 * const { publicKey, secretKey } = curveKeyPair();
 * console.log(curvePublicKey(secretKey) === publicKey); // true
 * ```
 */
export function curvePublicKey(secretKey: string): string {
  const sec = new TextEncoder().encode(`${secretKey}\0`);
  const pub = new Uint8Array(41);
  if (
    typeof secretKey !== "string" || secretKey.length !== 40 ||
    lib().zmq.zmq_curve_public(pub, sec) !== 0
  ) {
    throw new RangeError(
      "curvePublicKey(): secretKey must be a 40-character Z85 key",
    );
  }
  return decoder.decode(pub.subarray(0, 40));
}
