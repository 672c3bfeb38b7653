"""Conference rooms on Asterisk's ConfBridge: a tenant's rooms (``rooms``), how the router answers
a call for one (``routing``), and who is in a room now (``live``)."""
