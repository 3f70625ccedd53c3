//! Compiles the C shims against the headers of the libbpf-sys build (`DEP_BPF_INCLUDE`, from its
//! `links = "bpf"`), and hands that include directory on to `bpfobj`, which compiles BPF programs
//! against it:
//! - csrc/dump_shim.c collects libbpf's btf_dump output (public API only);
//! - csrc/core_shim.c runs libbpf's CO-RE resolution loop as `bpftool gen min_core_btf` does,
//!   through functions declared only in libbpf's internal headers, so it also needs the vendored
//!   libbpf sources libbpf-sys built its libbpf.a from (`LIBBPF_SRC_DIR`, or found in cargo's
//!   registry beside this build's libbpf-sys).

use std::path::PathBuf;

/// The libbpf-sys version the workspace pins (`=1.7.0` in the workspace Cargo.toml).
const LIBBPF_SYS_DIR: &str = "libbpf-sys-1.7.0+v1.7.0";

/// The vendored libbpf tree (`.../libbpf-sys-*/libbpf`), holding `src/` and `include/`.
fn vendored_libbpf() -> PathBuf {
    println!("cargo:rerun-if-env-changed=LIBBPF_SRC_DIR");
    if let Some(dir) = std::env::var_os("LIBBPF_SRC_DIR") {
        return PathBuf::from(dir);
    }
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .expect("CARGO_HOME or HOME is set");
    let registry = cargo_home.join("registry/src");
    let mut found: Vec<PathBuf> = std::fs::read_dir(&registry)
        .unwrap_or_else(|e| panic!("{}: {e} (set LIBBPF_SRC_DIR)", registry.display()))
        .filter_map(|e| e.ok().map(|e| e.path().join(LIBBPF_SYS_DIR).join("libbpf")))
        .filter(|p| p.join("src/relo_core.h").is_file())
        .collect();
    found.sort();
    found.pop().unwrap_or_else(|| {
        panic!(
            "no {}/*/{LIBBPF_SYS_DIR}/libbpf/src (set LIBBPF_SRC_DIR)",
            registry.display()
        )
    })
}

fn main() {
    println!("cargo:rerun-if-changed=csrc/dump_shim.c");
    println!("cargo:rerun-if-changed=csrc/core_shim.c");
    let include = std::env::var("DEP_BPF_INCLUDE").expect("libbpf-sys exports its include dir");
    // The test BPF programs (`bpfobj`) include libbpf 1.7.0's bpf_helpers.h and bpf_core_read.h.
    println!("cargo:rustc-env=BTF_DIFFTEST_LIBBPF_INCLUDE={include}");
    cc::Build::new()
        .file("csrc/dump_shim.c")
        .include(&include)
        .warnings(true)
        .compile("libbtf_oracle_shim");
    let libbpf = vendored_libbpf();
    cc::Build::new()
        .file("csrc/core_shim.c")
        .include(libbpf.join("src"))
        .include(libbpf.join("include"))
        .include(libbpf.join("include/uapi"))
        .include(&include)
        .define("_GNU_SOURCE", None)
        .warnings(true)
        .compile("libbtf_core_shim");
}
