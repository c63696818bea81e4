"""Celery tasks for large ledger imports (run with a progress record)."""
