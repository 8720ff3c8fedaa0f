"""Redis access: the client factory and the one function that builds every key."""
