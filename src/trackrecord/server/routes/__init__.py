"""The server's endpoints, one module per resource; each exports ``routes(settings, guard)``."""
