//! wspack: builds MED-V 2.0 style workspace packages from a TOML policy and a VHD.
//!
//! Data flow: [`policy::Policy::load`] → [`disk::open`] → [`build::run`], which writes
//! the sidecar ([`sidecar`]), the MSI ([`msi`]), the `.reg` export ([`reg`]) and the
//! manifest ([`manifest`]) into a temporary folder that [`publish`] swaps into place.
#![warn(missing_docs)]

pub mod build;
pub mod check;
pub mod disk;
pub mod error;
pub(crate) mod input;
pub mod manifest;
pub mod msi;
pub(crate) mod names;
pub mod policy;
pub(crate) mod publish;
pub(crate) mod reg;
pub mod report;
pub mod sidecar;
pub mod sign;
pub(crate) mod single_exe;
pub(crate) mod text;
pub mod update;
pub mod validate;
pub mod verify;

pub use error::{Error, Result};
