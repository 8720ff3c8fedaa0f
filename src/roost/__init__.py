"""Roost: a self-hostable social feed server that speaks the Mastodon client API."""

__version__ = "0.1.0"
