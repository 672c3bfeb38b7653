"""Billing's documents: invoices for a bank transfer and the monthly closing documents (УПД and
the reconciliation act), rendered once as PDF (``pdf.py``), numbered without gaps per kind and
year and stored (``store.py``); what a month's closing documents say comes from the ledger
(``closing.py``)."""
