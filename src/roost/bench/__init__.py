"""Workload generator and benchmarks (``roost bench ...``)."""
