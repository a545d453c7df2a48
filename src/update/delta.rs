//! The delta table: how an installer builds a new disk from the staged base disk
//! plus the delta sidecar `<internal_name>.delta.medv`. Its types, encoding and
//! checks live in the contract crate (`wspack_contract::delta`), which the Windows
//! runtime decodes it with; the packager builds it in [`super::write`].

pub use wspack_contract::delta::{
    BadDelta, DeltaChunk, DeltaTable, Source, DELTA_SUFFIX, DELTA_TABLE_BINARY,
};
