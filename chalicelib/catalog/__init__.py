"""A store's categories and products: browse, keyword search, stock."""
