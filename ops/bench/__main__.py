"""`python -m ops.bench` (or `make bench`): see ops/bench/runner.py."""

from ops.bench.runner import main

main()
