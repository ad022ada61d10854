"""Benchmarks of matter-certis against the local replica: ``python -m benchmarks.run``
(see docs/benchmarks.md)."""
