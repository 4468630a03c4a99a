"""`python -m load`: ramp, then hold the highest rate with p95 under 500 ms (load/runner.py)."""

from load.runner import main

main()
