"""Fault injection: `python -m ops.faults [scenario ...]` (or `make faults`).

Each scenario breaks one thing on purpose, on services of its own (a PostgreSQL cluster, a
Redis and an SMTP sink started for the run, on loopback), and reports what it did and what
was lost or sent twice. The goal is "nothing". See README, section Reliability.
"""
