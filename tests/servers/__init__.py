"""Small stdlib HTTP servers that follow public standards, used as test targets."""
