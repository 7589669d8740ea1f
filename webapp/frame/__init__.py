"""The frame every page sits in: the home page, the navigation, error pages, health and readiness, and the audit of
refused requests. It sits at the top beside the wiring (it may read any feature); the helpers every page's code uses
(the acting user, the request's origin, forms) are in webapp/shell, at the bottom."""
