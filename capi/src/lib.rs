//! btf-capi: libbpf's BTF C API over btf-core, for `libbtf.so.1` / `libbtf.a`.
//!
//! Every libbpf 1.7.0 BTF function btf-core can back is exported with libbpf's signature, error
//! convention (NULL + `errno` from constructors, negative errno + `errno` from int functions) and
//! symbol version. All `unsafe` — raw pointers, `errno`, the bpf syscall, calling the user's print
//! callback — lives in the [`ffi`] module; the rest of the crate is safe Rust.

#![deny(unsafe_code)]

pub mod ffi;
mod handle;
mod messages;

pub use handle::btf;
