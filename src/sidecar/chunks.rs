//! The chunk table's format lives in `wspack-contract` (the Windows runtime decodes
//! it with the same code); the packager re-exports it here.

pub use wspack_contract::chunks::{
    BadTable, Chunk, ChunkTable, CHUNK_TABLE_BINARY, DEFAULT_CHUNK_SIZE,
};
