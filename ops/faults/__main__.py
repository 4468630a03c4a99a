"""`python -m ops.faults [scenario ...]`: run the fault scenarios (all of them by default)."""

from ops.faults.runner import main

main()
