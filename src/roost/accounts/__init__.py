"""Accounts, credentials and the social graph (follows, blocks, mutes, follow requests)."""
