"""The settings pages framed in the widget's advanced settings (admins only, scoped to the session's account); their
routes are listed in `routes.py` (not here, so that importing the texts of this package imports no page)."""
