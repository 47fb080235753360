//! Scenarios persisted (filled in by the scenario work).
