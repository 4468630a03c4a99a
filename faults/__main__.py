"""`python -m faults [scenario ...]`: run the fault scenarios (all of them by default)."""

from faults.runner import main

main()
