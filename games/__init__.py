"""Built-in game plugins."""
