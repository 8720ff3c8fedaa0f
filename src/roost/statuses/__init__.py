"""Statuses: posting, deleting, replies and threads, favourites, reblogs, mentions, tags."""
