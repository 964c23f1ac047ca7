//! PLACEHOLDER until `cargo xtask codegen` writes this tree.
pub(crate) mod events;
