/**
 * The 8/MMI codec against its conformance vectors and the spec data.
 */
import assert from "node:assert/strict";
import { ProtocolError } from "../../errors.ts";
import { bytes, input, isVectorError, plain } from "../_vector.ts";
import {
  decodeMmiQuery,
  decodeMmiReply,
  isMmiService,
  MMI_FRAME,
  MMI_PREFIX,
  MmiMalformation,
  MmiMessage,
  MmiStatus,
  parseMmiStatus,
} from "./codec.ts";
import { MMI_VECTORS, type MmiVector } from "./vectors.ts";

function decode(v: MmiVector) {
  const arg = input(v) as Uint8Array[];
  return v.reader === "broker"
    ? decodeMmiQuery(bytes(v.service ?? ""), arg)
    : decodeMmiReply(arg);
}

Deno.test("8/MMI decoders give every vector its expected result", () => {
  let valid = 0, invalid = 0;
  for (const v of MMI_VECTORS) {
    const got = decode(v);
    if (isVectorError(v.expect)) {
      assert.ok(got instanceof ProtocolError, `${v.name}: decoded`);
      assert.equal(got.code, v.expect.error, v.name);
      assert.equal(got.frame, v.expect.frame, v.name);
      assert.equal(got.protocol, "MMI", v.name);
      assert.equal(got.reason, MmiMalformation[v.expect.error], v.name);
      invalid++;
    } else {
      assert.ok(!(got instanceof Error), `${v.name}: ${String(got)}`);
      assert.deepEqual(plain(got), plain(v.expect), v.name);
      valid++;
    }
    // A query is MMI exactly when the codec says its service is.
    if (v.reader === "broker" && v.service !== undefined) {
      const notMmi = isVectorError(v.expect) && v.expect.error === "NOT_MMI";
      assert.equal(isMmiService(bytes(v.service)), !notMmi, v.name);
      assert.equal(
        isMmiService(new TextDecoder().decode(bytes(v.service))),
        !notMmi,
      );
    }
    // parseMmiStatus() is the short form of decodeMmiReply().
    if (v.reader === "client") {
      const status = got instanceof Error ? null : (got as { status: string })
        .status;
      assert.equal(parseMmiStatus(input(v) as Uint8Array[]), status, v.name);
    }
  }
  assert.ok(valid >= 8 && invalid >= 8, `${valid} valid, ${invalid} invalid`);
});

Deno.test("8/MMI vectors cover every service, status and malformation the spec data list", () => {
  for (const [name, m] of Object.entries(MmiMessage)) {
    const reader = m.from[0] === "client" ? "broker" : "client";
    const hits = MMI_VECTORS.filter((v) =>
      v.reader === reader && !isVectorError(v.expect) &&
      (reader === "client" || m.service === "mmi.*" ||
        (v.service !== undefined &&
          new TextDecoder().decode(bytes(v.service)) === m.service))
    );
    assert.ok(hits.length > 0, `no valid vector for ${name}`);
  }
  for (const status of Object.values(MmiStatus)) {
    assert.ok(
      MMI_VECTORS.some((v) =>
        !isVectorError(v.expect) && v.expect.status === status
      ),
      `no vector for status ${status}`,
    );
    assert.equal(new TextDecoder().decode(MMI_FRAME[status]), status);
  }
  for (const code of Object.keys(MmiMalformation)) {
    assert.ok(
      MMI_VECTORS.some((v) =>
        isVectorError(v.expect) && v.expect.error === code
      ),
      `no vector expects ${code}`,
    );
  }
  assert.equal(MMI_PREFIX, "mmi.");
  assert.throws(() => isMmiService(3 as never), TypeError);
});
