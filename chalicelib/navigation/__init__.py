"""Store layouts (aisles, shelves, entrances) and product locations on them."""
