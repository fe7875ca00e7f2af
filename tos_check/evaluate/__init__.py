"""Judging traces against policies for a declared use."""
