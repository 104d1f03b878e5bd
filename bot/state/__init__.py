"""What the bot keeps, in Redis: progress, feedback, throttles, once-only claims, and
everything kept about people read in one place (forget, export, import)."""
