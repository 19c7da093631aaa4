"""Security and reliability tests: one module per section of docs/SECURITY.md."""
