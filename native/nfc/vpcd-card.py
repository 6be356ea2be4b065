#!/usr/bin/env python3
"""A virtual contactless card for vsmartcard's virtual reader (vpcd), for tests and demos.

pcscd loads vpcd (Debian package vsmartcard-vpcd), which shows a PC/SC reader "Virtual PCD"
and waits for a card on a TCP port (CHANNELID in its reader.conf, 35963 by default). While this
program is connected, the card is on the reader: connecting is a tap, exiting removes it.

vpcd protocol: every message is a 2-byte big-endian length and that many bytes.
  from vpcd, length 1: 0x00 power off, 0x01 power on, 0x02 reset, 0x04 "send your ATR";
  from vpcd, longer:   a command APDU; the card answers with a response APDU.
The card has the ATR of a MIFARE Classic 1K seen through a PC/SC contactless reader (PC/SC
part 3 storage card ATR) and answers GET DATA UID (FF CA 00 00 00) with its UID and 90 00;
any other command gets 6D 00 (instruction not supported).

usage: vpcd-card.py --uid 04A2B3C4D5E680 [--host 127.0.0.1] [--port 35963] [--hold SECONDS]
Prints "ready" once connected, then one line per APDU. Exits on SIGTERM, after --hold seconds,
or when vpcd closes the connection.
"""
import argparse
import signal
import socket
import struct
import sys
import time

ATR = bytes.fromhex("3B8F8001804F0CA000000306030001000000006A")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--uid", required=True, help="UID in card byte order, hex (4, 7 or 10 bytes)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=35963)
    ap.add_argument("--hold", type=float, default=0.0, help="remove the card after this many seconds")
    ap.add_argument("--connect-timeout", type=float, default=10.0)
    args = ap.parse_args()
    uid = bytes.fromhex(args.uid.replace(":", "").replace(" ", ""))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    deadline = time.monotonic() + args.connect_timeout
    while True:
        try:
            s = socket.create_connection((args.host, args.port), timeout=2)
            break
        except OSError:
            if time.monotonic() > deadline:
                print("cannot connect to vpcd on %s:%d" % (args.host, args.port), file=sys.stderr)
                return 2
            time.sleep(0.05)
    s.settimeout(None)
    if args.hold > 0:
        signal.signal(signal.SIGALRM, lambda *_: sys.exit(0))
        signal.setitimer(signal.ITIMER_REAL, args.hold)
    print("ready", flush=True)

    def recv(n: int) -> bytes:
        buf = b""
        while len(buf) < n:
            chunk = s.recv(n - len(buf))
            if not chunk:
                sys.exit(0)
            buf += chunk
        return buf

    def send(payload: bytes) -> None:
        s.sendall(struct.pack(">H", len(payload)) + payload)

    while True:
        (n,) = struct.unpack(">H", recv(2))
        msg = recv(n)
        if n == 1 and msg[0] in (0x00, 0x01, 0x02):
            continue  # power off / on / reset: nothing to answer
        if n == 1 and msg[0] == 0x04:
            send(ATR)
            continue
        print("apdu " + msg.hex(), flush=True)
        if msg[:4] == b"\xff\xca\x00\x00":
            send(uid + b"\x90\x00")
        else:
            send(b"\x6d\x00")


if __name__ == "__main__":
    sys.exit(main())
