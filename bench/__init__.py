"""Benchmarks: `python -m bench.fanout` (see its docstring)."""
