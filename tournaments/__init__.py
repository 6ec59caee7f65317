"""Tournaments, ratings, game records and engine protocols."""
