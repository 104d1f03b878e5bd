"""Test suite for the Mistral setup bot."""
