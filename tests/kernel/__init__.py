"""Tests that compare the workbook with the real Linux kernel inside network namespaces (need root)."""
