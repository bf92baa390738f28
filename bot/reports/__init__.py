"""The participation workbook: spreadsheet-safe cells and the openpyxl writer (file I/O)."""
