"""A multiprocessing child (fork) holds 80 MB at its own peak; the parent holds little."""
import multiprocessing


def child():
    block = bytearray(80 * 1000 * 1000)  # CHILD: 80 MB
    return len(block)


def main():
    process = multiprocessing.get_context("fork").Process(target=child)
    process.start()
    process.join()
    print("child", process.pid, "exit", process.exitcode)


if __name__ == "__main__":
    main()
