"""Reading real spreadsheets into the canonical tables: the import, in one package.

The stages, one module each: ``reader`` (bytes to raw sheets, by content), ``headers`` (which
column is which field, which table a sheet is), ``sheets`` (header row, data rows, cell types),
``values`` (numbers, dates, text as users type them), ``resolve`` (codes and names to catalogue
keys, units to minimum units), ``importer`` (the one entry point, ``parse_files``), ``marking``
(a copy of a refused file with its bad cells marked). Problems name file › sheet › row › column.
"""
