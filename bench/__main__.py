"""`python -m bench` (or `make bench`): see bench/runner.py."""

from bench.runner import main

main()
