"""Tests for accounts: registration, credentials, profiles and the social graph."""
