"""Stream consumer: custom exception raised without arguments (no colon)."""
import sys


class EndOfStream(Exception):
    """Raised when the upstream closes the stream."""


def next_frame(buf):
    if not buf:
        raise EndOfStream
    return buf.pop(0)


def consume(buf):
    while True:
        frame = next_frame(buf)
        print(f"frame {frame}")


if __name__ == "__main__":
    consume([int(sys.argv[1])])
