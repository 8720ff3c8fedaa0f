"""Reusable test harness (fault injection) shared by several test packages."""
