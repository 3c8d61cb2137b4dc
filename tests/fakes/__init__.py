"""In-memory stand-ins for each area's ports, so use cases are unit-tested without AWS."""
