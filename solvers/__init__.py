"""Built-in solver plugins."""
