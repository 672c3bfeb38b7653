"""The operator portal at /operator: operator accounts signed in with a cookie session of their
own (``session``), the tenants, numbers and trunks pages (``portal``), its texts (``texts``)
and its router (``router``). Every action goes through core/operators/actions.py, the same
code as the API's operator routes, and is audited with the signed-in operator's account."""
