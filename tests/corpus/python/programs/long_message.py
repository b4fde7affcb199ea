"""A very long (~2000 character) single-line message."""
import sys


def check_permissions(user, scopes):
    missing = [f"scope:{s}" for s in scopes]
    raise PermissionError(
        f"user {user} is missing {len(missing)} required scopes: " + ", ".join(missing)
    )


if __name__ == "__main__":
    scopes = [f"orders.tenant-{n:04d}.read-write" for n in range(58)]
    check_permissions(sys.argv[1], scopes)
