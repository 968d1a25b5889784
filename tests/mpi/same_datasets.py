#!/usr/bin/python3
"""Exit 0 when two HDF5 files hold the same datasets, bit for bit, under the given groups (shape, dtype and every
value; NaN equal to NaN), else print the first difference and exit 1. (h5diff calls datasets of different
shapes "not comparable" and still exits 0, so it cannot judge this.)
Usage: same_datasets.py A.h5 B.h5 GROUP...
"""
import sys

import h5py
import numpy as np


def datasets(f, group):
    out = {}
    f[group].visititems(lambda name, obj: out.__setitem__(f"{group}/{name}", obj) if isinstance(obj, h5py.Dataset)
                        else None)
    return out


def main(a, b, groups):
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        for g in groups:
            da, db = datasets(fa, g), datasets(fb, g)
            if sorted(da) != sorted(db):
                print(f"{g}: datasets differ: {sorted(set(da) ^ set(db))}")
                return 1
            if not da:
                print(f"{g}: no datasets")
                return 1
            for name in sorted(da):
                x, y = da[name][()], db[name][()]
                if x.shape != y.shape or x.dtype != y.dtype:
                    print(f"{name}: shape {x.shape} {x.dtype} against {y.shape} {y.dtype}")
                    return 1
                if x.dtype.kind == "f":
                    same = np.array_equal(x.view(np.uint64 if x.itemsize == 8 else np.uint32),
                                          y.view(np.uint64 if y.itemsize == 8 else np.uint32))
                else:
                    same = np.array_equal(x, y)
                if not same:
                    print(f"{name}: values differ")
                    return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3:]))
