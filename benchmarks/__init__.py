"""Benchmarks: qspace against a plain Starlette baseline, measured in the same run on one machine.

`python -m benchmarks.run` runs every registered benchmark in sequence; see benchmarks/README.md.
"""
