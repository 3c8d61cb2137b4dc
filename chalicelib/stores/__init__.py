"""Stores: locator (geohash cells), detail, opening hours, and the store record other areas read."""
