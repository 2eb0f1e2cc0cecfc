// The REQ shell of the kit (_kit/req_line.ts) under a FakeClock and a
// scripted socket: an attempt times out at its due time, a timed-out socket
// is kept until the caller drops it, any other end drops it, a new endpoint
// opens a new socket, and Serial runs requests one at a time in call order.
import assert from "node:assert/strict";
import { FakeClock } from "../../src/_util/clock.ts";
import {
  exchange,
  type ExchangeSocket,
  ReqLine,
  Serial,
} from "../../src/patterns/_kit/req_line.ts";
import type { Frame, Message } from "../../src/types.ts";

const te = new TextEncoder();

/** A socket that answers when `answer()` is called, or never. */
class Scripted implements ExchangeSocket {
  sent: (readonly Frame[])[] = [];
  closed = false;
  #reply?: (m: Message) => void;
  #fail?: (e: unknown) => void;
  send(frames: readonly Frame[], o: { signal: AbortSignal }): Promise<void> {
    o.signal.throwIfAborted();
    this.sent.push(frames);
    return Promise.resolve();
  }
  receive(o: { signal: AbortSignal }): Promise<Message> {
    return new Promise((resolve, reject) => {
      if (o.signal.aborted) return reject(o.signal.reason);
      this.#reply = resolve;
      this.#fail = reject;
      o.signal.addEventListener("abort", () => reject(o.signal.reason), {
        once: true,
      });
    });
  }
  answer(text: string): void {
    this.#reply?.([te.encode(text)]);
  }
  break(e: unknown): void {
    this.#fail?.(e);
  }
  close(): void {
    this.closed = true;
  }
}

Deno.test("exchange() returns null at the due time, not before", async () => {
  const clock = new FakeClock();
  const sock = new Scripted();
  let done: Message | null | undefined;
  const p = exchange(sock, ["a"], 1000, clock, []).then((r) => (done = r));
  await clock.tick(999);
  assert.equal(done, undefined);
  await clock.tick(1);
  await p;
  assert.equal(done, null);
  assert.deepEqual(sock.sent, [["a"]]);
});

Deno.test("exchange() returns the reply and rethrows an abort reason", async () => {
  const clock = new FakeClock();
  const sock = new Scripted();
  const p = exchange(sock, ["a"], 1000, clock, [undefined]);
  await clock.tick(10);
  sock.answer("r");
  assert.equal(new TextDecoder().decode((await p)![0]), "r");
  const ac = new AbortController();
  const q = exchange(sock, ["b"], 1000, clock, [ac.signal]);
  const why = new Error("stop");
  ac.abort(why);
  await assert.rejects(q, (e) => e === why);
});

Deno.test("ReqLine keeps a timed-out socket, drops it on any other end, reopens per endpoint", async () => {
  const clock = new FakeClock();
  const opened: { endpoint: string; sock: Scripted }[] = [];
  const line = new ReqLine((endpoint) => {
    const sock = new Scripted();
    opened.push({ endpoint, sock });
    return sock;
  }, clock);
  // timeout: kept
  const t = line.attempt("tcp://a:1", ["1"], 100, []);
  await clock.tick(100);
  assert.equal(await t, null);
  assert.equal(opened.length, 1);
  assert.equal(opened[0].sock.closed, false);
  // a socket error: dropped, error passed on
  const f = line.attempt("tcp://a:1", ["2"], clock.now() + 100, []);
  await clock.tick(1);
  opened[0].sock.break(new Error("boom"));
  await assert.rejects(f, /boom/);
  assert.equal(opened[0].sock.closed, true);
  // next attempt opens a fresh one; another endpoint another one
  const g = line.attempt("tcp://a:1", ["3"], clock.now() + 100, []);
  await clock.tick(1);
  opened[1].sock.answer("3");
  await g;
  const h = line.attempt("tcp://b:2", ["4"], clock.now() + 100, []);
  await clock.tick(1);
  assert.equal(opened.length, 3);
  assert.equal(opened[1].sock.closed, true);
  assert.equal(opened[2].endpoint, "tcp://b:2");
  opened[2].sock.answer("4");
  await h;
  line.drop();
  assert.equal(opened[2].sock.closed, true);
});

Deno.test("Serial runs tasks one at a time in call order; a failure does not stop the next", async () => {
  const q = new Serial();
  const log: string[] = [];
  let running = 0;
  const task = (name: string, fail = false) => async () => {
    running++;
    assert.equal(running, 1);
    log.push(`start ${name}`);
    await new Promise((r) => setTimeout(r, 5));
    log.push(`end ${name}`);
    running--;
    if (fail) throw new Error(name);
    return name;
  };
  const a = q.run(task("a"));
  const b = q.run(task("b", true));
  const c = q.run(task("c"));
  assert.equal(await a, "a");
  await assert.rejects(b, /b/);
  assert.equal(await c, "c");
  await q.idle();
  assert.deepEqual(log, [
    "start a",
    "end a",
    "start b",
    "end b",
    "start c",
    "end c",
  ]);
});
