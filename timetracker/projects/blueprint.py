"""The projects blueprint object: the group's projects and their tasks."""

from flask import Blueprint

bp = Blueprint("projects", __name__)
