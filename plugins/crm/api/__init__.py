"""The CRM's part of the cabinet API, one controller module per domain."""
