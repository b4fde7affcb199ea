"""threading: uncaught exception in a worker thread (threading.excepthook)."""
import sys
import threading


def process(job):
    return job["payload"]["items"][0]


def worker(jobs):
    for job in jobs:
        process(job)


if __name__ == "__main__":
    print(f"starting worker for queue {sys.argv[1]}")
    t = threading.Thread(target=worker, args=([{"id": 1, "payload": {"items": []}}],))
    t.start()
    t.join()
