"""Email: composing a message into the outbox inside the request's transaction (emails.py) and
delivering it after the response or from `flask outbox run` (outbox.py)."""
