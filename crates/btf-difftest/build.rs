//! Compiles the C shim that collects libbpf's btf_dump output (csrc/dump_shim.c) against the
//! headers of the libbpf-sys build (`DEP_BPF_INCLUDE`, from its `links = "bpf"`).

fn main() {
    println!("cargo:rerun-if-changed=csrc/dump_shim.c");
    let include = std::env::var("DEP_BPF_INCLUDE").expect("libbpf-sys exports its include dir");
    cc::Build::new()
        .file("csrc/dump_shim.c")
        .include(include)
        .warnings(true)
        .compile("libbtf_oracle_shim");
}
