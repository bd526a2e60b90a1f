"""Tables (issue 17); registered in the integrations app by ``integrations/models.py``."""
