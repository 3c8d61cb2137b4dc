"""All code that ships to Lambda lives under this package (Chalice packages it whole)."""
