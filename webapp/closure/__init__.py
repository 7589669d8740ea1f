"""Closing a case: the open-work check before it closes (each action, request, meeting and escalation finished,
handed on or left with a reason) and the debrief after a serious incident. It reaches the features whose work it
closes through their service modules; the generic case step sends its form keys here (STEP_PAGES, webapp/wiring.py)."""
