"""Background workers: handlers registered per queue, run from Redis Streams or the outbox."""
