//! BTF as text: bpftool's raw dump (`bpftool btf dump ... format raw`).

pub mod text;
