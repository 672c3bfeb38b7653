"""The migration sources vats ships: the old cabinet's JSON export and FreePBX's Bulk Handler
extensions CSV."""
