"""The home blueprint object: the start page behind the login."""

from flask import Blueprint

bp = Blueprint("home", __name__)
