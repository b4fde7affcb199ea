"""A message that itself mentions the word Traceback."""
import sys


def collect(job_id):
    raise RuntimeError(
        f"job {job_id} exited with status 1; Traceback saved to /var/log/jobs/{job_id}.log"
    )


if __name__ == "__main__":
    collect(int(sys.argv[1]))
