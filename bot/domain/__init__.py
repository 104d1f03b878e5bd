"""The domain: what the bot does with a command or a question, whatever the surface.

Nothing here imports Slack. Replies are the domain's vocabulary, which rendering turns
into Block Kit or text.
"""
