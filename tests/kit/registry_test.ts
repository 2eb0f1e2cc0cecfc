import assert from "node:assert/strict";
import { createCore } from "../../src/core/mod.ts";
import {
  type ExpiryCause,
  type RegisteredWorker,
  WorkerRegistry,
} from "../../src/patterns/_kit/registry.ts";

function worker(handle: number, service = 1): RegisteredWorker {
  return { handle, service, busy: false, lastHeardAt: 0, busySince: 0 };
}

for (const impl of ["ts", "wasm"] as const) {
  const policy = {
    heartbeatIntervalMs: 100,
    liveness: 3,
    expireBusy: true,
    maxBusyMs: Infinity,
  };
  const make = (p = policy) =>
    new WorkerRegistry(createCore({ impl }).createWorkerQueue(), p);

  Deno.test(`WorkerRegistry (${impl}): least recently ready first, per service`, () => {
    const reg = make();
    reg.add(worker(1), 0);
    reg.add(worker(2), 1);
    reg.add(worker(3, 2), 2);
    const none = () => assert.fail("nothing expires");
    assert.equal(reg.take(1, 10, none)?.handle, 1);
    assert.equal(reg.take(1, 10, none)?.handle, 2);
    assert.equal(reg.take(1, 10, none), undefined);
    assert.equal(reg.busyCount, 2);
    reg.idle(reg.get(1)!, 20);
    assert.equal(reg.take(1, 30, none)?.handle, 1);
    assert.equal(reg.idleCount(2), 1);
  });

  Deno.test(`WorkerRegistry (${impl}): take never hands out a worker that is due`, () => {
    const reg = make();
    reg.add(worker(1), 0);
    reg.add(worker(2), 200);
    const expired: [number, ExpiryCause][] = [];
    const w = reg.take(1, 300, (x, c) => expired.push([x.handle, c]));
    assert.equal(w?.handle, 2);
    assert.deepEqual(expired, [[1, "silent"]]);
    assert.equal(reg.get(1), undefined);
  });

  Deno.test(`WorkerRegistry (${impl}): heartbeats keep idle and busy workers alive`, () => {
    const reg = make();
    const a = worker(1), b = worker(2);
    reg.add(a, 0);
    reg.add(b, 0);
    reg.take(1, 0, () => {}); // a busy
    for (let t = 100; t <= 1000; t += 100) {
      reg.heard(a, t);
      reg.heard(b, t);
      reg.sweep(t, () => assert.fail(`expired at ${t}`));
    }
    const gone: [number, ExpiryCause][] = [];
    reg.sweep(1300, (x, c) => gone.push([x.handle, c]));
    assert.deepEqual(gone.sort(), [[1, "silent"], [2, "silent"]]);
    assert.equal(reg.size, 0);
    assert.equal(reg.busyCount, 0);
  });

  Deno.test(`WorkerRegistry (${impl}): busy rules: expireBusy off, maxBusyMs`, () => {
    const reg = make({ ...policy, expireBusy: false, maxBusyMs: 5000 });
    reg.add(worker(1), 0);
    reg.take(1, 0, () => {});
    const gone: ExpiryCause[] = [];
    reg.sweep(4999, (_, c) => gone.push(c));
    assert.equal(gone.length, 0);
    reg.sweep(5000, (_, c) => gone.push(c));
    assert.deepEqual(gone, ["busy-too-long"]);
  });
}
