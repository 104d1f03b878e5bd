"""The Slack surface: Bolt listeners that parse payloads, ack at once and call the domain."""
