"""Live streaming: Mastodon's SSE and WebSocket streams over a hub (Redis pub/sub or in-process)."""
