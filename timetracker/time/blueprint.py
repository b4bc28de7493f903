"""The time blueprint object: the Time page (one day, the timer) and the week grid."""

from flask import Blueprint

bp = Blueprint("time", __name__)
