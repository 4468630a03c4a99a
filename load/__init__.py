"""The load test: `python -m load` (see load/runner.py and README, section Reliability)."""
