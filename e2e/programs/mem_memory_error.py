"""The job asks for a petabyte, catches the MemoryError and goes on to allocate 30 MB."""


def too_much():
    return bytearray(1 << 50)  # HUGE: refused by the allocator


def afterwards():
    return bytearray(30 * 1000 * 1000)  # AFTERWARDS: 30 MB


def main():
    try:
        too_much()
    except MemoryError:
        print("caught MemoryError")
    block = afterwards()
    print(len(block))


main()
