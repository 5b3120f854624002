"""Teaching figures drawn from ``theory``; ``python -m figures`` writes the gallery (not yet built)."""
