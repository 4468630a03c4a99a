"""The harnesses that measure the product without being part of it.

`make bench` (ops/bench: pages and the reminder fan-out at 10 000 and 100 000 listings),
`make faults` (ops/faults: Redis, PostgreSQL, a worker, beat and SMTP broken on purpose) and
`python -m ops.load` (ops/load: the highest rate the site sustains). Nothing in the apps
imports them.
"""
