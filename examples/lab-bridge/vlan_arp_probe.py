# A VLAN-aware host made of a raw socket, for kernels without 802.1Q subinterfaces.
# usage: vlan_arp_probe.py IFNAME MAC VID,SRC_IP,TARGET_IP ...
# Sends an 802.1Q-tagged ARP request per probe and prints the indices of probes answered by an ARP reply
# that came back tagged with the same VID. Bounded: gives up after 8 seconds.
import socket
import struct
import sys
import time

SOL_PACKET, PACKET_AUXDATA, TP_STATUS_VLAN_VALID = 263, 8, 0x10
ifname, my_mac = sys.argv[1], bytes.fromhex(sys.argv[2].replace(':', ''))
probes = []
for spec in sys.argv[3:]:
    vid, src, dst = spec.split(',')
    probes.append((int(vid), socket.inet_aton(src), socket.inet_aton(dst)))

s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
s.bind((ifname, 0))
s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
s.settimeout(0.1)
answered = set()
deadline = time.time() + 8
while time.time() < deadline and len(answered) < len(probes):
    for vid, src, dst in probes:
        arp = struct.pack('!HHBBH6s4s6s4s', 1, 0x0800, 6, 4, 1, my_mac, src, bytes(6), dst)
        s.send(b'\xff' * 6 + my_mac + struct.pack('!HH', 0x8100, vid) + b'\x08\x06' + arp)
    end = time.time() + 0.4
    while time.time() < end:
        try:
            data, ancillary, _, address = s.recvmsg(4096, socket.CMSG_SPACE(20))
        except socket.timeout:
            break
        if address[2] == socket.PACKET_OUTGOING:
            continue
        vid, ether_type, payload = None, data[12:14], data[14:]
        for level, kind, cdata in ancillary:
            if level == SOL_PACKET and kind == PACKET_AUXDATA:
                status, _, _, _, _, tci, _ = struct.unpack('IIIHHHH', cdata[:20])
                if status & TP_STATUS_VLAN_VALID:
                    vid = tci & 0xfff
        if vid is None and ether_type == b'\x81\x00':
            vid, ether_type, payload = struct.unpack('!H', data[14:16])[0] & 0xfff, data[16:18], data[18:]
        if ether_type != b'\x08\x06' or payload[6:8] != b'\x00\x02' or data[0:6] != my_mac:
            continue
        for index, (probe_vid, _, dst) in enumerate(probes):
            if payload[14:18] == dst and vid == probe_vid:
                answered.add(index)
print(' '.join(str(i) for i in sorted(answered)))
