"""ProcessPoolExecutor: the worker's traceback is re-raised as _RemoteTraceback text."""
import sys
from concurrent.futures import ProcessPoolExecutor


def resize(image_id):
    width, height = 0, 480
    return height / width


def main(image_id):
    with ProcessPoolExecutor(max_workers=1) as pool:
        future = pool.submit(resize, image_id)
        return future.result()


if __name__ == "__main__":
    main(int(sys.argv[1]))
