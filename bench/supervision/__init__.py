"""Benchmarks of the supervision engine (run: python -m bench.supervision)."""
