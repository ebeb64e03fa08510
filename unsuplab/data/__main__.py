"""``python -m unsuplab.data``: make sure Fashion-MNIST is present and say where it is."""

import sys

from .datasets import DataNotFoundError, fashion_mnist_path


def main() -> int:
    try:
        folder = fashion_mnist_path()
    except DataNotFoundError as err:
        print(err, file=sys.stderr)
        return 1
    print(f"Fashion-MNIST: verified in {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
