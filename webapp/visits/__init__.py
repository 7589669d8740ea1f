"""Statutory visits: the social worker's visits to a child on a child in need plan, how often the plan says the
child is to be seen, when the next visit is due, and the team told when one is overdue."""
