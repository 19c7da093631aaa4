"""Database access below the services: engine settings (engine.py), the tenancy scopes every
query starts from (tenancy.py) and prefix search on indexed keys (search.py)."""
