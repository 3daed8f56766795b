"""Importing a CRM or ERP export: the mapping file (mapping), reading sources (sources), the values
converted on the way (values), applying a mapping (mapping_apply) and the import command (importer)."""
