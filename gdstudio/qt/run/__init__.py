"""run: see docs/architecture.md for what this room holds."""
