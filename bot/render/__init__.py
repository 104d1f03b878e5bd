"""Rendering: the domain's replies as Block Kit, from jinja2 templates, or as plain text."""
