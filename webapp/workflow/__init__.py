"""The SpiffWorkflow runtime: the only package that imports SpiffWorkflow."""
