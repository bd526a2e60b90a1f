"""Payment at the counter (cash or card terminal), recorded by the clerk: ``provider.py``."""
