"""The cabinet's built-in areas, one module per area. Each module's ``pages()`` returns a
``vats.bots.web.cabinet.kit.CabinetPages`` (controllers, menu entries, texts); the page registry
finds every module here, so adding an area edits no shared list."""
