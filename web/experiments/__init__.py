"""The experiments blueprint: incentive experiments and KPIs for HR."""
