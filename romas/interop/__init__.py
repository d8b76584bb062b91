"""romas talking to the web outside it: webhooks (subscriptions and signed deliveries), external agents, and the
egress rule every outgoing request obeys."""
