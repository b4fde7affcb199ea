"""ExceptionGroups nested deeper than max_group_depth (10)."""
import sys


def wrap(depth):
    if depth == 0:
        return ValueError(f"leaf rule violated in policy {sys.argv[1]}")
    return ExceptionGroup(f"policy level {depth}", [wrap(depth - 1)])


def evaluate_policy():
    raise wrap(13)


if __name__ == "__main__":
    evaluate_policy()
