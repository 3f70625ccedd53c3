//! BTF as text: C declarations as libbpf's `btf_dump` writes them ([`c`]), and bpftool's raw
//! dump (`bpftool btf dump ... format raw`, [`text`]).

pub mod c;
pub mod text;
