"""The CRM's pages in the web cabinet (Work → Contacts, Deals, Tasks), contributed through
``register_cabinet_pages`` as a third party's pages would be: controllers here, templates in
``templates/crm/``, texts in ``texts.py``, a stylesheet in ``static/``."""
