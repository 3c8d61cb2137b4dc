"""Thin clients for WeChat's HTTP APIs. Base URLs come from config so the local sandbox can stand in."""
