"""Gunicorn settings file for the benchmarks: each worker tells ``server.gunicorn`` it has loaded the app."""

import os
from pathlib import Path
from typing import Any

READY_DIR = "TT_BENCH_READY_DIR"


def post_worker_init(worker: Any) -> None:
    """Leave a file named by the worker's pid in $TT_BENCH_READY_DIR (the app is loaded by now)."""
    Path(os.environ[READY_DIR], str(worker.pid)).touch()
