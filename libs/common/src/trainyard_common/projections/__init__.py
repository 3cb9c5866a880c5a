"""Local copies of other services' data, kept from their events (no service reads another's tables)."""
