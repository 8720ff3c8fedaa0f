"""Instance information."""
