"""Errno-style OSError message."""
import sys


def load_certificate(tenant):
    with open(f"/etc/tfcorpus-missing/tls/{tenant}.pem") as fh:
        return fh.read()


if __name__ == "__main__":
    load_certificate(sys.argv[1])
