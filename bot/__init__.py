"""A Slack bot that walks a team through setting up Mistral AI Studio for AIsuru.

Importing this package does nothing: the composition root is ``bot.__main__``.
"""
