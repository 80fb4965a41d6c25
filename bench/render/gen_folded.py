#!/usr/bin/env python3
"""Generates folded stacks of realistic shape for the render benchmark.

One implicit call tree; each output line is a distinct root-to-node path:
  - shallow levels reuse a few entry points; the chance of branching grows with depth;
  - existing children are picked with Zipf-like weights, so a few hot paths dominate;
  - names come Zipf-style from a pool of Python-style frames, `func (pkg/mod.py:123)`,
    including `<module>`, `<listcomp>` and `<lambda>` so escaping is exercised;
  - depth is triangular on 10..60 with its mode near 27; counts are Pareto (heavy tail).
Lines are shuffled (unless --sorted), so the renderer cannot lean on sorted input.
Deterministic for a given --seed. Standard library only.
"""
import argparse
import random
import sys


def make_pool(rng, size):
    words = ["load", "batch", "read", "parse", "row", "frame", "merge", "apply", "group", "sum",
             "fit", "predict", "encode", "decode", "train", "step", "loss", "grad", "update",
             "cache", "fetch", "write", "flush", "compute", "reduce", "transform", "validate",
             "convert", "split", "join", "sort", "filter", "map", "index", "build", "render"]
    dirs = ["myapp/io", "myapp/model", "myapp/etl", "myapp/util", "myapp/cli",
            "/usr/lib/python3.11", "/usr/lib/python3.11/json",
            "/venv/lib/python3.11/site-packages/pandas/core",
            "/venv/lib/python3.11/site-packages/numpy/core",
            "/venv/lib/python3.11/site-packages/sklearn/linear_model"]
    specials = ["<module>", "<listcomp>", "<lambda>", "<genexpr>", "<dictcomp>"]
    pool = []
    for i in range(size):
        if i % 40 == 0:
            func = specials[(i // 40) % len(specials)]
        else:
            func = "_".join(rng.choice(words) for _ in range(rng.randint(1, 2)))
        path = "%s/%s.py" % (rng.choice(dirs), rng.choice(words))
        pool.append("%s (%s:%d)" % (func, path, rng.randint(1, 2500)))
    return pool


def zipf_index(rng, n):
    # A Zipf-like pick among n items, 0 the hottest: log-uniform, P(k) ~ 1/(k+1).
    return min(n - 1, int(n ** rng.random()) - 1) if n > 1 else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stacks", type=int, default=200000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--pool", type=int, default=20000)
    ap.add_argument("--sorted", action="store_true", help="emit lines sorted")
    ap.add_argument("-o", "--output", default="-")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    pool = make_pool(rng, args.pool)
    children = [[]]      # node -> list of child nodes
    child_of = [{}]      # node -> {name index: child node}
    name = [-1]
    emitted = set()
    lines = []
    attempts = 0
    while len(lines) < args.stacks:
        attempts += 1
        depth = int(rng.triangular(10, 60, 27))
        node, path = 0, []
        for level in range(depth):
            kids = children[node]
            branch = 0.02 + 0.9 * (level / 60.0) ** 1.5 if level > 2 else 0.002
            if kids and rng.random() > branch:
                node = kids[zipf_index(rng, len(kids))]
            else:
                n = zipf_index(rng, len(pool))
                nxt = child_of[node].get(n)
                if nxt is None:
                    nxt = len(children)
                    children.append([])
                    child_of.append({})
                    name.append(n)
                    child_of[node][n] = nxt
                    kids.append(nxt)
                node = nxt
            path.append(node)
        if node in emitted:
            continue
        emitted.add(node)
        count = max(1, int(rng.paretovariate(1.2)))
        lines.append(";".join(pool[name[p]] for p in path) + " " + str(count) + "\n")
    if args.sorted:
        lines.sort()
    else:
        rng.shuffle(lines)
    out = sys.stdout if args.output == "-" else open(args.output, "w")
    out.writelines(lines)
    out.close()
    print("stacks=%d tree_nodes=%d attempts=%d pool=%d" % (len(lines), len(children) - 1, attempts,
                                                           len(pool)), file=sys.stderr)


if __name__ == "__main__":
    main()
