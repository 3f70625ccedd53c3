//! Compiles the C shim that collects libbpf's btf_dump output (csrc/dump_shim.c) against the
//! headers of the libbpf-sys build (`DEP_BPF_INCLUDE`, from its `links = "bpf"`), and hands that
//! include directory on to `bpfobj`, which compiles BPF programs against it.

fn main() {
    println!("cargo:rerun-if-changed=csrc/dump_shim.c");
    let include = std::env::var("DEP_BPF_INCLUDE").expect("libbpf-sys exports its include dir");
    // The test BPF programs (`bpfobj`) include libbpf 1.7.0's bpf_helpers.h and bpf_core_read.h.
    println!("cargo:rustc-env=BTF_DIFFTEST_LIBBPF_INCLUDE={include}");
    cc::Build::new()
        .file("csrc/dump_shim.c")
        .include(include)
        .warnings(true)
        .compile("libbtf_oracle_shim");
}
