"""How a run ends and what it prints: the verdict, the Spidermon monitors, the log filter."""
