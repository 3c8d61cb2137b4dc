"""Users, their WeChat identities, roles and session tokens."""
