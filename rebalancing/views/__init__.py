"""Pages of the rebalancing app: target, policy, proposals and their review, impact."""
