"""Incremental reads: read a stream from its cursor and prove the read complete."""
