"""How a run ends and what it prints: the verdict, the stats keys its parts share, the
Spidermon monitors, the log filter."""
