"""Background work read from database rows: deliveries and inbox processing."""
