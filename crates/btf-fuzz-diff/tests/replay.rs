//! Every regression input and seed of the differential fuzz targets (btf-core vs libbpf 1.7.0),
//! replayed on stable Rust; also the reproducers of `fuzz/libbpf-bugs/` through the predicates
//! that keep them away from libbpf.

#[test]
fn regressions_and_seeds_replay() {
    let n = btf_fuzz_targets::replay(btf_fuzz_diff::TARGETS);
    println!("replayed {n} inputs");
}
