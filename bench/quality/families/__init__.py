"""Credential families added to the quality corpus, one module per vendor family.

Each module in this folder defines

    def positives(R, P):  -> list of Items (P(kind, value, NAME, secret=...))
    def negatives(R, N):  -> list of Items (N(kind, value, NAME)): hard negatives that look close

where R is the corpus' seeded random.Random, so the corpus stays deterministic. Every value is
generated from the vendor's documented format (prefix, alphabet, length, checksum); none is
copied from another project. Modules load in file-name order.
"""
import importlib
import os
import pkgutil

_HERE = os.path.dirname(os.path.abspath(__file__))


def _modules():
    names = sorted(m.name for m in pkgutil.iter_modules([_HERE]) if not m.name.startswith("_"))
    return [importlib.import_module("families." + n) for n in names]


def positives(R, P):
    out = []
    for m in _modules():
        if hasattr(m, "positives"):
            out += m.positives(R, P)
    return out


def negatives(R, N):
    out = []
    for m in _modules():
        if hasattr(m, "negatives"):
            out += m.negatives(R, N)
    return out
