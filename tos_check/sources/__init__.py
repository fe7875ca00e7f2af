"""Metadata sources: each reads one kind of file into artifacts, edges and evidence."""
