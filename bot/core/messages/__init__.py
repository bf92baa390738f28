"""Block Kit builders for every message, modal and Home view, one module per feature."""
