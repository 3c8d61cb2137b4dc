"""Staff assistance: requests customers raise in store, their progress, messages and feedback."""
