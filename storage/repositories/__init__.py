"""Queries, one module per aggregate. Repositories flush; the unit of work commits."""
