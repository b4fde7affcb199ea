"""Batch import: KeyError context, then an ExceptionGroup, then RuntimeError from the group."""
import sys


def validate(row):
    if "email" not in row:
        raise ValueError(f"row {row['n']}: missing email")
    if not isinstance(row["qty"], int):
        raise TypeError(f"row {row['n']}: qty must be int, got {type(row['qty']).__name__}")


def validate_all(rows):
    errors = []
    for row in rows:
        try:
            validate(row)
        except (ValueError, TypeError) as e:
            errors.append(e)
    if errors:
        raise ExceptionGroup(f"{len(errors)} invalid rows", errors)


def run_import(batch_id, rows, cache):
    try:
        return cache[batch_id]
    except KeyError:
        try:
            validate_all(rows)
        except ExceptionGroup as eg:
            raise RuntimeError(f"import batch {batch_id} rejected") from eg


if __name__ == "__main__":
    rows = [{"n": 1, "qty": 2}, {"n": 2, "email": "a@example.com", "qty": "3"}]
    run_import(sys.argv[1], rows, {})
