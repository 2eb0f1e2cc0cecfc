#!/usr/bin/env python3
"""Minimal independent 7/MDP + 8/MMI broker (pyzmq), written from the RFCs
for interop tests. One ROUTER; LRU waiting workers per service; heartbeats
to waiting workers; mmi.service 200/404, other mmi.* 501.

usage: mdp_broker.py [endpoint] [heartbeat_ms]
Prints {"event":"ready","endpoint":...} on stdout once bound.
"""
import json
import sys
import time
from collections import deque

import zmq

EP = sys.argv[1] if len(sys.argv) > 1 else "tcp://127.0.0.1:*"
HB = int(sys.argv[2]) if len(sys.argv) > 2 else 2500
EXPIRY = HB * 3 / 1000.0
C, W = b"MDPC01", b"MDPW01"
READY, REQUEST, REPLY, HEARTBEAT, DISCONNECT = b"\x01", b"\x02", b"\x03", b"\x04", b"\x05"

ctx = zmq.Context()
sock = ctx.socket(zmq.ROUTER)
sock.linger = 0
sock.bind(EP)
print(json.dumps({"event": "ready", "endpoint": sock.getsockopt(zmq.LAST_ENDPOINT).decode()}), flush=True)

services = {}  # name -> {"requests": deque, "waiting": deque, "workers": int}
workers = {}  # identity -> {"service": name, "expiry": float}


def service(name):
    return services.setdefault(name, {"requests": deque(), "waiting": deque(), "workers": 0})


def delete_worker(ident, disconnect):
    w = workers.pop(ident, None)
    if disconnect:
        sock.send_multipart([ident, b"", W, DISCONNECT])
    if w is not None:
        s = services[w["service"]]
        s["workers"] -= 1
        if ident in s["waiting"]:
            s["waiting"].remove(ident)


def dispatch(s):
    now = time.monotonic()
    while s["waiting"] and workers[s["waiting"][0]]["expiry"] < now:
        delete_worker(s["waiting"][0], False)
    while s["requests"] and s["waiting"]:
        client, body = s["requests"].popleft()
        ident = s["waiting"].popleft()
        sock.send_multipart([ident, b"", W, REQUEST, client, b""] + body)


poller = zmq.Poller()
poller.register(sock, zmq.POLLIN)
next_hb = time.monotonic() + HB / 1000.0
while True:
    if poller.poll(HB):
        msg = sock.recv_multipart()
        if len(msg) < 3 or msg[1] != b"":
            continue
        sender, header = msg[0], msg[2]
        if header == C:
            if len(msg) < 5 or not msg[3]:
                continue
            name, body = msg[3], msg[4:]
            if name.startswith(b"mmi."):
                if name == b"mmi.service":
                    s = services.get(body[0])
                    code = b"200" if s and s["workers"] > 0 else b"404"
                else:
                    code = b"501"
                sock.send_multipart([sender, b"", C, name, code])
            else:
                s = service(name)
                s["requests"].append((sender, body))
                dispatch(s)
        elif header == W and len(msg) >= 4:
            cmd = msg[3]
            known = sender in workers
            if cmd == READY and len(msg) == 5 and msg[4]:
                if known or msg[4].startswith(b"mmi."):
                    delete_worker(sender, True)
                else:
                    s = service(msg[4])
                    workers[sender] = {"service": msg[4], "expiry": time.monotonic() + EXPIRY}
                    s["workers"] += 1
                    s["waiting"].append(sender)
                    dispatch(s)
            elif cmd == REPLY and len(msg) >= 7 and msg[5] == b"":
                if not known:
                    delete_worker(sender, True)
                    continue
                w = workers[sender]
                sock.send_multipart([msg[4], b"", C, w["service"]] + msg[6:])
                w["expiry"] = time.monotonic() + EXPIRY
                s = services[w["service"]]
                s["waiting"].append(sender)
                dispatch(s)
            elif cmd == HEARTBEAT and len(msg) == 4:
                if known:
                    workers[sender]["expiry"] = time.monotonic() + EXPIRY
                else:
                    delete_worker(sender, True)
            elif cmd == DISCONNECT and len(msg) == 4:
                delete_worker(sender, False)
            elif known:
                delete_worker(sender, True)
    now = time.monotonic()
    if now >= next_hb:
        for s in services.values():
            for ident in list(s["waiting"]):
                if workers[ident]["expiry"] < now:
                    delete_worker(ident, False)
                else:
                    sock.send_multipart([ident, b"", W, HEARTBEAT])
        next_hb = now + HB / 1000.0
