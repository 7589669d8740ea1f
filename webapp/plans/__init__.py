"""The child in need plan: its form key, the plan the case works to now, its tracked actions and its PDF. The
generic case step reaches it only through its step hooks (webapp/plans/hooks.py, wired in webapp/wiring.py)."""
