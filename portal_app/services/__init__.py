"""Business rules as plain functions: they change models and flush; the caller commits."""
