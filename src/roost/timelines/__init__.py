"""Timelines: home, public (local) and hashtag."""
