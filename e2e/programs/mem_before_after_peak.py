"""100 MB allocated and freed before the peak, 150 MB at the peak, 50 MB after it: at the peak
only the 150 MB line holds memory."""


def before():
    return bytearray(100 * 1000 * 1000)  # BEFORE: 100 MB, freed before the peak


def at_peak():
    return bytearray(150 * 1000 * 1000)  # PEAK: 150 MB


def after():
    return bytearray(50 * 1000 * 1000)  # AFTER: 50 MB, allocated after the peak


def main():
    block = before()
    del block
    block = at_peak()
    del block
    block = after()
    print(len(block))


main()
