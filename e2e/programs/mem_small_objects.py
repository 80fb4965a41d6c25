"""Two million small objects (tuples, ints, strs) built on one line, held at the peak."""


def build(n):
    return [(i, str(i), i * 0.5) for i in range(n)]  # OBJECTS


def main():
    records = build(2_000_000)
    print(len(records))


main()
