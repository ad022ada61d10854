"""Item pipelines: whole-item checks, then storage. Priorities are spaced so others fit between."""
