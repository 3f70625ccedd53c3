//! Differential testing of libbtf against real libbpf 1.7.0.
//!
//! * [`libbpf`] — a safe wrapper around the `struct btf` API of the vendored libbpf (the oracle).
//! * [`bpfobj`] — BPF objects built by clang from `test-data/bpf/` for the `.BTF.ext`/CO-RE tests.
//! * [`corpus`] — locating the shared real-world BTF corpus (`../shared/corpus`) and reading it.
//! * [`memfd`] — sealed memfds, to drive btf-core's mapped input path with corpus bytes.
//! * [`stats`] — medians and units for the benchmarks.

pub mod bpfobj;
pub mod corpus;
pub mod kernel;
pub mod libbpf;
pub mod memfd;
pub mod stats;
