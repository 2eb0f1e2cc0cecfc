#!/usr/bin/env python3
"""Minimal independent 7/MDP client (pyzmq) on a REQ socket, with Lazy
Pirate retries, written from the RFC for interop tests. Sends COUNT
requests one at a time and checks each echo; also asks mmi.service.

usage: mdp_client.py endpoint [service] [count]
Prints {"event":"ready"} first and {"event":"done","ok":N,...} at the end.
"""
import json
import os
import sys

import zmq

EP = sys.argv[1]
SERVICE = (sys.argv[2] if len(sys.argv) > 2 else "echo").encode()
COUNT = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
TIMEOUT = 2500


def curve(sock):
    """CURVE client keys from MDP_CURVE_SERVERKEY / MDP_CURVE_PUBLICKEY /
    MDP_CURVE_SECRETKEY (Z85), when set (tests/security)."""
    server = os.environ.get("MDP_CURVE_SERVERKEY")
    if server:
        sock.curve_serverkey = server.encode()
        sock.curve_publickey = os.environ["MDP_CURVE_PUBLICKEY"].encode()
        sock.curve_secretkey = os.environ["MDP_CURVE_SECRETKEY"].encode()


ctx = zmq.Context()
print(json.dumps({"event": "ready", "endpoint": EP}), flush=True)


def new_socket():
    s = ctx.socket(zmq.REQ)
    s.linger = 0
    curve(s)
    s.connect(EP)
    return s


sock = new_socket()


def request(service, body):
    global sock
    for _ in range(3):
        sock.send_multipart([b"MDPC01", service] + body)
        if sock.poll(TIMEOUT):
            reply = sock.recv_multipart()
            assert reply[0] == b"MDPC01", reply
            assert reply[1] == service, reply
            return reply[2:]
        sock.close()
        sock = new_socket()
    raise TimeoutError(service)


ok = bad = 0
mmi = request(b"mmi.service", [SERVICE])[0].decode()
for i in range(COUNT):
    body = [("py-%d" % i).encode(), b"second frame"]
    if request(SERVICE, body) == body:
        ok += 1
    else:
        bad += 1
print(json.dumps({"event": "done", "ok": ok, "bad": bad, "mmi": mmi}), flush=True)
