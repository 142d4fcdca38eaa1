"""The web workbench: a local page and a JSON API, thin over the Python API (docs/web.md).

``evforge serve`` calls :func:`serve`; :func:`create_app` gives the FastAPI application (for
tests, or another ASGI server).
"""

from __future__ import annotations

from evforge.web.app import create_app, default_data_dir, serve

__all__ = ["create_app", "default_data_dir", "serve"]
