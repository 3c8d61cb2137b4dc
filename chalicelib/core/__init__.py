"""Cross-cutting pieces every business area uses: config, clock, errors, HTTP adapter, auth."""
