"""Fakes of the external APIs the bot talks to, served over real HTTP on loopback."""
