"""Benchmarks of the project's components; `python -m bench` prints a table and writes JSON."""
