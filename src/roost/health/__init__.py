"""Health endpoints for operators and load balancers: /health, /livez, /readyz."""
