/**
 * Security: CURVE key files, the ZAP handler (RFC 27) and the `security`
 * settings every pattern takes. See docs/SECURITY.md.
 *
 * @module
 */
export {
  type CurveKeyPair,
  isCurveKey,
  type KeyFile,
  loadAllowedKeys,
  loadKeyFile,
  loadKeyPair,
  writeKeyPair,
  type WriteKeyPairOptions,
} from "./keys.ts";
export { AddressListError, KeyFileError, ZmqReliableError } from "../errors.ts";
export { curveKeyPair, curvePublicKey } from "../transport/mod.ts";
export {
  type AllowList,
  type ClientSecurity,
  type CurveClientSecurity,
  type CurveServerSecurity,
  type PlainClientSecurity,
  type PlainServerSecurity,
  type SecurityListChange,
  type SecurityReload,
  type SecurityStats,
  type ServerSecurity,
} from "./settings.ts";
export {
  ZAP_ENDPOINT,
  type ZapCounters,
  type ZapDecision,
  type ZapRefusal,
  type ZapStats,
  zapStats,
} from "./zap.ts";
