"""`python -m tos_check.schemas` rewrites the committed JSON Schemas from the models."""

from tos_check.schemas import write_all

write_all()
