"""Departments, positions, hiring stages and cohorts."""
