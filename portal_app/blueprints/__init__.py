"""Feature blueprints: auth, dashboard (portal) and staff (the shop console)."""
