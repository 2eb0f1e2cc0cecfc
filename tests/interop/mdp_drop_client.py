#!/usr/bin/env python3
"""Independent plain 7/MDP client (pyzmq, DEALER) for the drop scenario:
sends COUNT requests to SERVICE at once, then one mmi.service request, and
reports every message received until the MMI reply (the broker answers in
order, so anything it sent for the requests comes first).

usage: mdp_drop_client.py endpoint service count
Prints {"event":"ready"} first and {"event":"done","received":[...]} last.
"""
import json
import sys

import zmq

EP, SERVICE, COUNT = sys.argv[1], sys.argv[2].encode(), int(sys.argv[3])
ctx = zmq.Context()
sock = ctx.socket(zmq.DEALER)
sock.linger = 0
sock.connect(EP)
print(json.dumps({"event": "ready", "endpoint": EP}), flush=True)
for i in range(COUNT):
    sock.send_multipart([b"", b"MDPC01", SERVICE, ("req-%d" % i).encode()])
sock.send_multipart([b"", b"MDPC01", b"mmi.service", SERVICE])
received = []
while sock.poll(10000):
    msg = sock.recv_multipart()
    received.append([f.decode("latin-1") for f in msg])
    if msg[2] == b"mmi.service":
        break
print(json.dumps({"event": "done", "received": received}), flush=True)
