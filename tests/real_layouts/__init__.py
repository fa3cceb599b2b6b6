"""A corpus of real export layouts, rebuilt at test time (issue 10, item 7).

Each layout in ``layouts.py`` is a function that writes one file the way the real system writes it
(header texts and order, title and note rows, merged cells, numbers stored as text, the file type
the system really produces) with small values whose right totals are worked out by hand in a
comment next to them. ``catalogue.py`` writes the hospitals, winners list and agreements the
layouts are checked against. Where each layout comes from is in its docstring; no file from those
sources is copied: only the header texts, their order and the sheet shape are reproduced.
"""
