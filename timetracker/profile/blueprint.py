"""The profile blueprint object, which its view modules attach their routes to."""

from flask import Blueprint

bp = Blueprint("profile", __name__)
