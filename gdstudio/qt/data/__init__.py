"""data: see docs/architecture.md for what this room holds."""
