"""The bot's own routers: linking, availability, and what strangers are told."""
