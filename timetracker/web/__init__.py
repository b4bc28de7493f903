"""Web glue shared by the blueprints: access decorators, form fields, safe redirects, error pages."""
