#!/usr/bin/env python3
"""Prints, for each l2mesh control socket given, how many tunnel peers the daemon has and which.

    peers.py SOCKET...            one line per socket: "SOCKET COUNT name,name,..." ("SOCKET -1 error" if down)
    peers.py --tx SOCKET          the datagrams the daemon sent to all its peers (the sum of their tx_packets)
    peers.py --up SOCKET...       the sessions that are up, summed over the daemons

It speaks the control protocol (docs/control-protocol.md) directly: one JSON request per SOCK_SEQPACKET
message, so polling fifty daemons takes milliseconds instead of fifty CLI start-ups.
"""
import json
import socket
import sys


def peers(path):
    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
        s.settimeout(5)
        s.connect(path)
        s.send(json.dumps({"v": 1, "cmd": "peer.list"}).encode())
        answer = json.loads(s.recv(1 << 20))
    if not answer.get("ok"):
        raise RuntimeError(answer.get("error", {}).get("message", "refused"))
    return answer["result"]


if sys.argv[1:2] == ["--up"]:
    total = 0
    for path in sys.argv[2:]:
        try:
            total += sum(1 for p in peers(path) if p["up"])
        except (OSError, ValueError, RuntimeError):
            pass
    print(total)
    sys.exit(0)
if sys.argv[1:2] == ["--tx"]:
    print(sum(p["tx_packets"] for p in peers(sys.argv[2])))
    sys.exit(0)
for path in sys.argv[1:]:
    try:
        names = sorted(p["name"] for p in peers(path))
        print(path, len(names), ",".join(names))
    except (OSError, ValueError, RuntimeError) as ex:
        print(path, -1, str(ex).replace(" ", "_"))
