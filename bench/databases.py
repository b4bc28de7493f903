"""The database of one benchmark run: a SQLite file, or a PostgreSQL schema of its own."""

from __future__ import annotations

import argparse
import os
import secrets
import tempfile
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

DEFAULT_POSTGRESQL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add --db and --database-url to a benchmark's command line."""
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("TIMETRACKER_BENCH_DATABASE_URL", DEFAULT_POSTGRESQL),
        help="the PostgreSQL to use for --db postgresql (a new schema is made in it and dropped after)",
    )


@contextmanager
def run_database(kind: str, postgresql_url: str) -> Iterator[str]:
    """Yield the SQLAlchemy URL of a new, empty database; remove it afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as workdir:
            yield f"sqlite:///{Path(workdir) / 'bench.sqlite'}"
        return
    schema = f"tt_bench_{secrets.token_hex(4)}"
    engine = create_engine(postgresql_url)
    with engine.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{postgresql_url}?options={urllib.parse.quote(f'-csearch_path={schema}')}"
    finally:
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()
