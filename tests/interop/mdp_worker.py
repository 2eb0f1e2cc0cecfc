#!/usr/bin/env python3
"""Minimal independent 7/MDP worker (pyzmq), written from the RFC for
interop tests. DEALER; READY; heartbeats; reconnects on DISCONNECT or
broker silence. Mode "echo" returns the whole request body; mode
"transform" returns one frame, b"W:" + the first body frame (a worker that
knows nothing of any correlation frame).

usage: mdp_worker.py endpoint [service] [heartbeat_ms] [echo|transform]
Prints {"event":"ready",...} on stdout once started.
"""
import json
import os
import sys
import time

import zmq

EP = sys.argv[1]
SERVICE = (sys.argv[2] if len(sys.argv) > 2 else "echo").encode()
HB = int(sys.argv[3]) if len(sys.argv) > 3 else 2500
MODE = sys.argv[4] if len(sys.argv) > 4 else "echo"
W = b"MDPW01"


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
while True:
    sock = ctx.socket(zmq.DEALER)
    sock.linger = 0
    curve(sock)
    sock.connect(EP)
    sock.send_multipart([b"", W, b"\x01", SERVICE])
    poller = zmq.Poller()
    poller.register(sock, zmq.POLLIN)
    liveness = 3
    next_hb = time.monotonic() + HB / 1000.0
    reconnect = False
    while not reconnect:
        if poller.poll(HB):
            msg = sock.recv_multipart()
            if len(msg) < 3 or msg[0] != b"" or msg[1] != W:
                continue
            liveness = 3
            cmd = msg[2]
            if cmd == b"\x02" and len(msg) >= 6 and msg[4] == b"":
                body = msg[5:] if MODE == "echo" else [b"W:" + msg[5]]
                sock.send_multipart([b"", W, b"\x03", msg[3], b""] + body)
            elif cmd == b"\x05":
                reconnect = True
        else:
            liveness -= 1
            if liveness == 0:
                time.sleep(HB / 1000.0)
                reconnect = True
        if time.monotonic() >= next_hb:
            sock.send_multipart([b"", W, b"\x04"])
            next_hb = time.monotonic() + HB / 1000.0
    sock.close()
