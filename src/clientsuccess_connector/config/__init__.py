"""Flow files and settings: safe YAML, `${VAR}` expansion, typed validation, the JSON Schema."""
