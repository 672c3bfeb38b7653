"""Telephony on Asterisk: the AGI router, AMI clients, call records from CEL, the rendered
configuration and the sandbox that runs a real Asterisk for tests and development."""
