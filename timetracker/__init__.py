"""Time Tracker: a team time tracker whose login security works for real groups."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Create the application; ``config`` overrides the defaults and the environment."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    from timetracker import cli, database, mail, security
    from timetracker import config as settings
    from timetracker.web import error_pages, form_posts, own_factor_gate

    settings.load(app, config)
    _trust_proxies(app)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    database.init_app(app)
    mail.init_app(app)
    security.init_app(app)
    error_pages.init_app(app)
    form_posts.init_app(app)
    own_factor_gate.init_app(app)
    _register_blueprints(app)
    _add_template_globals(app)
    cli.init_app(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from timetracker.api import PREFIX as API_PREFIX
    from timetracker.api import bp as api
    from timetracker.auth import bp as auth
    from timetracker.group import bp as group
    from timetracker.home import bp as home
    from timetracker.ids import IdConverter
    from timetracker.profile import bp as profile
    from timetracker.projects import bp as projects
    from timetracker.reports import bp as reports
    from timetracker.time import bp as time

    app.url_map.converters["id"] = IdConverter  # before the routes that use <id:...>
    app.register_blueprint(auth)
    app.register_blueprint(home)
    app.register_blueprint(group)
    app.register_blueprint(profile, url_prefix="/profile")
    app.register_blueprint(time)
    app.register_blueprint(projects)
    app.register_blueprint(reports)
    app.register_blueprint(api, url_prefix=API_PREFIX)


def _add_template_globals(app: Flask) -> None:
    from timetracker import clock
    from timetracker.messages import RIGHT_DESCRIPTIONS
    from timetracker.rights import Right
    from timetracker.web import formats

    app.jinja_env.globals.update(Right=Right, right_descriptions=RIGHT_DESCRIPTIONS, now=clock.now)
    app.jinja_env.filters.update(
        hours_minutes=formats.hours_minutes,
        decimal_hours=formats.decimal_hours,
        local_time=formats.local_time,
    )


def _trust_proxies(app: Flask) -> None:
    """Take the client address and scheme from the configured number of reverse proxies."""
    proxies = app.config["PROXY_FIX_X_FOR"]
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
