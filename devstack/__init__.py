"""The local stack (never packaged into Lambda): moto server, provisioning, seed data, event runner,
WeChat sandbox and the Chalice API on one machine."""
