"""`python -m ops.load`: ramp, then hold the highest rate with p95 under 500 ms (ops/load/runner.py)."""

from ops.load.runner import main

main()
