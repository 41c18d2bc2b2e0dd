"""The recognition blueprint: recognition due, achievements, fairness, budgets, notifications."""
