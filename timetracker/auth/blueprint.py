"""The auth blueprint object, which its view modules attach their routes to."""

from flask import Blueprint

bp = Blueprint("auth", __name__)
