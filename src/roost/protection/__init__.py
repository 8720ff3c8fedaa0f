"""Protection at the edge: rate limits, request size limits, security headers and CORS.

Everything here is ASGI middleware installed by ``install.install_protection``; no
domain module knows about it.
"""
