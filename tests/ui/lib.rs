//! Nothing to link: this crate exists to run `harness.rs`, the UI tests of the attributes.
