"""Merchants: the tenants of the platform, their settings and their WeChat Pay sub-merchant account."""
