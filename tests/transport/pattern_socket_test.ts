// The patterns' socket helper: a user's socketOptions are checked at
// construction (without libzmq), options a pattern sets itself are refused
// with its reason, and every socket gets defaults < user < fixed.
import { HostUnreachableError, RouterSocket } from "../../mod.ts";
import {
  checkSocketOptions,
  openSocket,
  type SocketPlan,
} from "../../src/transport/_pattern_socket.ts";
import {
  assertEquals,
  assertRejects,
  assertThrows,
  match as assertMatch,
} from "../helpers/assert.ts";

const OWNER = "TestQueue.bind()";
const FRONT: SocketPlan<"ROUTER"> = {
  kind: "ROUTER",
  fixed: {
    routerMandatory: {
      value: true,
      why: "the queue detects a vanished client by a failed send",
    },
  },
  defaults: { lingerMs: 0, routingId: "default-id" },
};
const WORKER: SocketPlan<"DEALER"> = {
  kind: "DEALER",
  fixed: {
    routingId: {
      value: "worker-7",
      why: "it is the worker's identity (use the identity option)",
    },
  },
};

Deno.test("checkSocketOptions refuses unknown keys, bad values and options a pattern fixes", () => {
  assertThrows(
    () => checkSocketOptions(OWNER, { linger: 5 }, FRONT),
    /^TypeError: TestQueue\.bind\(\) socketOptions: unknown option "linger" \(did you mean "lingerMs"\?\)/,
  );
  assertThrows(
    () => checkSocketOptions(OWNER, { lingerMs: -5 }, FRONT),
    /^RangeError: TestQueue\.bind\(\) socketOptions: lingerMs must be between 0 and/,
  );
  assertThrows(
    () => checkSocketOptions(OWNER, 7, FRONT),
    /^TypeError: TestQueue\.bind\(\) socketOptions: options must be an object, got 7$/,
  );
  // ROUTER-only options are the pattern's business, not socketOptions'.
  assertThrows(
    () => checkSocketOptions(OWNER, { routerMandatory: false }, FRONT),
    /unknown option "routerMandatory"/,
  );
  assertThrows(
    () => checkSocketOptions(OWNER, { routingId: "me" }, FRONT, WORKER),
    /^TypeError: TestQueue\.bind\(\): socketOptions\.routingId cannot be set: it is the worker's identity \(use the identity option\)$/,
  );
  const ok = checkSocketOptions(OWNER, { sendHighWaterMark: 5 }, FRONT);
  assertEquals(ok, { sendHighWaterMark: 5 });
  assertEquals(Object.isFrozen(ok), true);
  assertEquals(checkSocketOptions(OWNER, undefined, FRONT), {});
});

Deno.test("openSocket applies defaults < user < fixed", async () => {
  // user's routingId beats the default one...
  const front = openSocket(
    OWNER,
    FRONT,
    checkSocketOptions(OWNER, { routingId: "user-id" }),
  );
  const plain = openSocket(OWNER, FRONT);
  try {
    assertEquals(new TextDecoder().decode(front.routingId), "user-id");
    assertEquals(new TextDecoder().decode(plain.routingId), "default-id");
    // ... and the fixed routerMandatory is on: an unroutable send fails.
    await assertRejects(
      () => front.send(["nobody", "x"]),
      HostUnreachableError,
    );
    assertEquals(front instanceof RouterSocket, true);
  } finally {
    front.close();
    plain.close();
  }
  const worker = openSocket(OWNER, WORKER, {});
  try {
    assertEquals(new TextDecoder().decode(worker.routingId), "worker-7");
  } finally {
    worker.close();
  }
  // A user option that skipped checkSocketOptions is still refused.
  assertThrows(
    () => openSocket(OWNER, WORKER, { routingId: "x" }),
    (e: Error) => {
      assertMatch(e.message, /socketOptions\.routingId cannot be set/);
      return true;
    },
  );
});
