"""Mistral's API at the edge: the client, its response schemas, model
cards, rate-limit headers and probing models for them."""
