"""Domain events: the transactional outbox, the bus that carries events, their kinds."""
