"""The bases every spider is built from: the project contract (base), its arguments, the
DCL walk, and the two halves of matter_products (the listing sync, the detail page)."""
