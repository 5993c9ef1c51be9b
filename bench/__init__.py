"""Benchmarks of aiodock against aiodocker, docker-py and a raw-socket ceiling.

Run ``python -m bench`` (or ``make bench``); ``python -m bench --help`` lists the options.
Each measurement runs in a fresh interpreter so that CPU time and peak memory belong to
one client and one run; the runner makes the fixtures, repeats the runs, and writes
``bench/RESULTS.md``.
"""
