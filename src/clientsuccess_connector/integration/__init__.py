"""What the Singer tap and the dlt source share: one stream read as batches with their state,
the streams a configuration names, and column types inferred from a sample."""
