"""200 MB of numpy array created at one line and held at the peak."""
import numpy as np


def load():
    return np.ones(25_000_000, dtype=np.float64)  # NUMPY: 200 MB


def main():
    data = load()
    print(data.size)


main()
