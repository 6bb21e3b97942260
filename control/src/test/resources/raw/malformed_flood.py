# Sends ROUNDS rounds of four hostile frames on IFNAME: multicast source, VID 4095, a tagged frame (for an
# access port) and an 802.1ad S-tagged frame. Prints how many frames it sent. Bounded: stops after 20 seconds.
import socket
import sys
import time

ifname, rounds = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((ifname, 0))
broadcast, source = b'\xff' * 6, bytes.fromhex('020000000001')
frames = [
    broadcast + bytes.fromhex('01005e000001') + b'\x08\x00' + bytes(46),
    broadcast + source + b'\x81\x00\x0f\xff\x08\x00' + bytes(46),
    broadcast + source + b'\x81\x00\x00\x07\x08\x00' + bytes(46),
    broadcast + source + b'\x88\xa8\x00\x0a\x08\x00' + bytes(46),
]
deadline = time.time() + 20
sent = 0
for _ in range(rounds):
    if time.time() > deadline:
        break
    for frame in frames:
        s.send(frame)
        sent += 1
print(sent)
