"""Domain services: plain functions on the models, called by views, the API and the CLI alike.

Each checks the rank rule before it changes anything, audits the change and commits it; a
refusal is a ``FieldError`` (put on the form's field) or ``PermissionDenied`` (403).
"""
