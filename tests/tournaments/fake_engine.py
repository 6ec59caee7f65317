"""A misbehaving engine for tests: speaks just enough GTP or Gomocup, then fails on cue.

usage: fake_engine.py gtp|gomocup MODE [N]
MODE: good (GTP: passes; Gomocup: plays the first empty point), crash (exits at move N), hang (sleeps at move N),
illegal (always answers the same point), garbage (answers nonsense), resign (GTP),
flood (writes for ever without a newline), chatter (writes lines for ever, never an answer),
badutf8 (answers invalid UTF-8), orphan (starts a grandchild 'sleep', then hangs).
"""

import sys
import time

protocol, mode = sys.argv[1], sys.argv[2]
limit = int(sys.argv[3]) if len(sys.argv) > 3 else 1
size, taken, moves, last = 9, set(), 0, "A1"
letters = "ABCDEFGHJKLMNOPQRSTUVWXYZ"


def out(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def misbehave():
    global moves
    moves += 1
    if moves < limit:
        return False
    if mode == "crash":
        sys.exit(3)
    if mode == "hang":
        time.sleep(60)
    if mode == "flood":
        while True:
            sys.stdout.buffer.write(b"x" * 65536)
    if mode == "chatter":
        while True:
            out("MESSAGE still thinking" if protocol == "gomocup" else "= thinking")
    if mode == "badutf8":
        sys.stdout.buffer.write(b"= \xff\xfe\xc3(\n\n" if protocol == "gtp" else b"\xff,\xfe\n")
        sys.stdout.flush()
        return False
    if mode == "orphan":
        import os
        import subprocess

        with open(os.environ["FAKE_ORPHAN_PIDFILE"], "w") as f:  # the test reads it
            f.write(str(subprocess.Popen(["sleep", "300"]).pid))
        time.sleep(60)
    return mode in ("illegal", "garbage", "resign")


for raw in sys.stdin:
    words = raw.split()
    if not words:
        continue
    cmd = words[0].upper() if protocol == "gomocup" else words[0]
    if protocol == "gtp":
        if cmd == "boardsize":
            size = int(words[1])
        if cmd == "clear_board":
            taken = set()
        if cmd == "play":
            taken.add(words[2].upper())
            if words[2].lower() != "pass":
                last = words[2].upper()  # surely occupied right now: an illegal answer
        if cmd == "quit":
            out("=\n")
            break
        if cmd == "genmove":
            # A well-behaved engine that always passes: always legal, whatever was captured.
            answer = "pass"
            if misbehave():
                answer = {"illegal": last, "garbage": "Z99", "resign": "resign"}[mode]
            out(f"= {answer}\n")
        else:
            out("=\n")
    else:
        if cmd in ("START", "RESTART", "RECTSTART"):
            if cmd != "RESTART":
                size = int(words[1].split(",")[0])
            taken = set()
            out("OK")
        elif cmd == "END":
            break
        elif cmd in ("BEGIN", "TURN", "DONE"):
            if cmd == "TURN":
                taken.add(tuple(map(int, words[1].split(","))))
            if misbehave():
                out({"illegal": "0,0", "garbage": "hello", "resign": "0,0"}[mode])
                continue
            x, y = next((x, y) for y in range(size) for x in range(size) if (x, y) not in taken)
            taken.add((x, y))
            out(f"{x},{y}")
        elif cmd == "BOARD":
            for line in sys.stdin:
                if line.strip().upper() == "DONE":
                    break
                x, y, _ = map(int, line.strip().split(","))
                taken.add((x, y))
            if misbehave():
                out({"illegal": "0,0", "garbage": "hello", "resign": "0,0"}[mode])
                continue
            x, y = next((x, y) for y in range(size) for x in range(size) if (x, y) not in taken)
            taken.add((x, y))
            out(f"{x},{y}")
        elif cmd == "ABOUT":
            out('name="fake"')
