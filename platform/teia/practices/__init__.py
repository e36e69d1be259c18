"""The good-practice library shared across consortia (issue 6)."""
