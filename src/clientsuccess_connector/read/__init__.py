"""The read side: endpoints, macros, lookups and fan-out, pagination, records, cursors."""
