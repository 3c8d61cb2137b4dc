"""Stock of every SKU at every location (a store or a warehouse), and the transaction pieces other
areas use to move it inside their own writes."""
