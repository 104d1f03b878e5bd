"""Mistral's API at the edge: the client, its response schemas, what a key looks like, model
cards, rate-limit headers and probing models for them."""
