"""gunicorn settings for MicroIntern; gunicorn reads ./gunicorn.conf.py on its own.

Command-line flags win over this file (the Docker image passes only --bind), and
WEB_CONCURRENCY / GUNICORN_THREADS override the two numbers below without editing it.
"""

import os

# Chosen on the 2-core machine `make bench` runs on, where PostgreSQL, Redis and the load
# generator share those cores with the site:
# - Two processes, one per core: Python runs one thread at a time per process, so fewer
#   processes leave a core idle, and more only add memory (about 100 MB each) and context
#   switches while PostgreSQL needs the same cores.
# - Threads (gthread) rather than sync workers: a page spends about half its time waiting for
#   PostgreSQL or Redis, and another thread runs meanwhile; gthread also keeps connections
#   alive, which sync workers do not. Measured side by side with wrk, 8 connections: the
#   floor page 1 423 req/s with 2 × 4 threads, 1 050 with 4 × 2, 610 with 3 sync workers; a
#   cached /listings/ 415, 419 and 224.
# - Four threads: eight (2 × 8) measured the same as four; more threads only queue up.
# Re-measure with `make bench` (ops/bench/results/latest.md) on a machine with more cores.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"

# Load Django once in the master: workers start fast and share the code pages.
preload_app = True

# A request still running after 30 s is a bug to see in the logs, not a wait to extend.
timeout = 30
graceful_timeout = 30
# Keep-alive between a proxy (or a browser) and the workers.
keepalive = 5
