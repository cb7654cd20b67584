"""The web page and the HTTP API: ``create_app(settings)``."""
