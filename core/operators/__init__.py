"""The installation's operators: their accounts and portal sessions (``accounts``), the record
of everything they do (``audit``), and the actions themselves (``actions``), which the API's
operator routes and the operator portal both call, so a rule is checked in one place."""
