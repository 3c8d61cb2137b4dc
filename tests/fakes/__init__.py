"""In-memory stand-ins for areas' ports, so use cases are tested without AWS."""
