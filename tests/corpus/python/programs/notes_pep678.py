"""PEP 678: exception notes added while the error propagates."""
import sys


def parse_row(row):
    return int(row["qty"])


def import_file(path, rows):
    for lineno, row in enumerate(rows, start=2):
        try:
            parse_row(row)
        except ValueError as e:
            e.add_note(f"while parsing {path} line {lineno}")
            e.add_note(f"row data: {row!r}")
            raise


def main(batch):
    try:
        import_file(f"/data/imports/batch-{batch}.csv", [{"qty": "3"}, {"qty": "three"}])
    except ValueError as e:
        e.add_note(f"batch {batch} aborted; 1 of 2 rows imported")
        raise


if __name__ == "__main__":
    main(sys.argv[1])
