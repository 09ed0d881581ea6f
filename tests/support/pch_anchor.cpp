// Anchor for the unit tests' shared precompiled header (no code of its own).
