"""bytearray(100 MiB) at one line, held at the peak."""


def allocate():
    return bytearray(100 * 1024 * 1024)  # BYTEARRAY: 100 MiB


def main():
    block = allocate()
    print(len(block))


main()
