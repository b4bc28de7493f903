"""The reports blueprint object: the report page, its CSV export, saved reports."""

from flask import Blueprint

bp = Blueprint("reports", __name__)
