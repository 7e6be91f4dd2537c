"""The store: SQLAlchemy models, query functions, Alembic migrations and dialog-state storage."""
