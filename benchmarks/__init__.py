"""Speed and memory benchmarks: `make bench` (or `python -m benchmarks [--quick]`) prints their figures."""
