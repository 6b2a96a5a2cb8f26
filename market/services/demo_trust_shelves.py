"""Demo states of the trust model (issue 9, part B)."""
