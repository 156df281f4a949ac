"""Orchestration of a sync run: what a stream's stored state is bound to, and when to trust it."""
