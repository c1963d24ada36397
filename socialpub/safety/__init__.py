"""The safety inbox's offline parts: screening comments on our posts for potential adverse events."""
