"""Notifications (created by workers from events) and read markers."""
