"""WSGI entry point: ``gunicorn wsgi:app``."""

import gc

from timetracker import create_app

app = create_app()

# What start-up made (modules, templates, the SQL cache) lives as long as the worker: keep it
# out of the garbage collector's full passes, which otherwise take ~50 ms every few dozen
# requests (bench/time_pages_bench.py measures it).
gc.collect()
gc.freeze()
