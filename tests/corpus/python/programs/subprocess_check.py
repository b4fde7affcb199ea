"""subprocess.run(check=True) failing: CalledProcessError from stdlib frames."""
import subprocess
import sys


def backup(db):
    subprocess.run(["sh", "-c", "exit 3", "pg_dump", db], check=True)


if __name__ == "__main__":
    print(f"backing up {sys.argv[1]}")
    backup(sys.argv[1])
