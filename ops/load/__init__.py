"""The load test: `python -m ops.load` (see ops/load/runner.py and README, section Reliability)."""
