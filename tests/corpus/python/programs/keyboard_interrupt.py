"""Poller stopped with an explicitly raised KeyboardInterrupt."""
import sys


def poll(queue, budget):
    for tick in range(budget):
        if tick == 2:
            raise KeyboardInterrupt
        queue.append(tick)


def run(queue_name):
    print(f"polling {queue_name}")
    poll([], 10)


if __name__ == "__main__":
    run(sys.argv[1])
