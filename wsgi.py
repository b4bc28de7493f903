"""WSGI entry point: ``gunicorn wsgi:app``."""

from timetracker import create_app

app = create_app()
