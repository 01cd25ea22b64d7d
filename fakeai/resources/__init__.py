"""API semantics, one module per resource: plain data in, wire-shaped dicts out, no HTTP."""
