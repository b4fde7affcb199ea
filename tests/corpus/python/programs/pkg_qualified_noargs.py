"""Exception from a package: prints the qualified name streamio.errors.EndOfStream."""
import sys

from streamio.reader import FrameReader


def drain(reader):
    count = 0
    while True:
        reader.read_frame()
        count += 1


if __name__ == "__main__":
    print(f"draining topic {sys.argv[1]}")
    drain(FrameReader([b"a", b"b"]))
