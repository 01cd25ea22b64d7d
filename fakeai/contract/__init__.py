"""Contract checks: recorded traffic read, validated against the schemas, and replayed."""
