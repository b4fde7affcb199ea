"""except* handles the ValueErrors; the TypeErrors propagate as a new group."""
import sys


def run_jobs(batch):
    raise ExceptionGroup(
        f"batch {batch} had failures",
        [ValueError("job 1: bad input"), TypeError("job 2: expected str, got int"), ValueError("job 3: empty")],
    )


def main(batch):
    try:
        run_jobs(batch)
    except* ValueError as eg:
        print(f"ignoring {len(eg.exceptions)} value errors")


if __name__ == "__main__":
    main(sys.argv[1])
